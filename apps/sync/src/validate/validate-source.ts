import { resolve } from 'node:path';
import { readConfigFile } from '../config-file.js';
import { commandFromString, defaultSourceCommand } from '../source-process.js';
import { formatCount } from '../summary.js';
import { readStep } from './read-step.js';
import { type StepReport, type StreamReport, type ValidationReport, skippedStep } from './report.js';
import { checkStep, configStep, discoverStep, specStep } from './steps.js';
import { throwIfInterrupted } from './source-run.js';

export const DEFAULT_MAX_RECORDS = 100;

export interface ValidateOptions {
  configPath: string;
  sourceCommand?: string | undefined;
  maxRecords?: number | undefined;
  /** Only these streams are read (all by default). */
  streams?: string[] | undefined;
  /** Aborted with the signal's name (SIGINT, SIGTERM) to stop. */
  signal?: AbortSignal | undefined;
  /** One line as each step starts (stderr in the CLI). */
  onStep?: ((line: string) => void) | undefined;
}

/**
 * What a platform would find wrong with a source, before it runs one: spec, check and discover,
 * then a small full refresh of every stream, each answer checked against the Airbyte protocol.
 * Nothing here knows about Ada: any Airbyte source can be validated with a source command.
 */
export async function validateSource(options: ValidateOptions): Promise<ValidationReport> {
  const started = Date.now();
  const configPath = resolve(options.configPath);
  const config = await readConfigFile(configPath);
  const maxRecords = options.maxRecords ?? DEFAULT_MAX_RECORDS;
  const source = options.sourceCommand ? commandFromString(options.sourceCommand) : defaultSourceCommand();
  const say = options.onStep ?? (() => undefined);
  const { signal } = options;

  say('spec');
  const spec = await specStep(source, signal);
  const steps: StepReport[] = [spec.report, configStep(config, spec.configSchema)];
  throwIfInterrupted(signal);
  say('check');
  steps.push(await checkStep(source, configPath, signal));
  throwIfInterrupted(signal);
  say('discover');
  const discovered = await discoverStep(source, configPath, signal);
  steps.push(discovered.report);
  let streams: StreamReport[] = [];
  if (discovered.catalog && discovered.catalog.streams.length > 0) {
    say(`read (up to ${formatCount(maxRecords)} records per stream)`);
    const read = await readStep(source, configPath, { catalog: discovered.catalog, schemas: discovered.schemas }, { maxRecords, streams: options.streams, signal });
    steps.push(read.report);
    streams = read.streams;
  } else {
    steps.push(skippedStep('read', 'no catalog to read'));
  }
  const failed = steps.some((s) => s.status === 'failed') || streams.some((s) => s.status === 'failed');
  return { status: failed ? 'failed' : 'passed', source: source.display, max_records: maxRecords, steps, streams, duration_ms: Date.now() - started };
}
