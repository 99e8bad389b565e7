import type { AirbyteCatalog } from '@ada-airbyte/core';
import type { ValidateFunction } from 'ajv';
import { errorSentence } from '../errors.js';
import { type ConnectorCommand, discoverCatalog } from '../source-process.js';
import { ProblemList } from './problems.js';
import { type StepReport, skippedStep, stepReport } from './report.js';
import { describeSchemaError } from './schema-errors.js';
import { compileSchema } from './schemas.js';
import { collect, throwIfInterrupted } from './source-run.js';

function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}

function why(error: unknown): string {
  return error instanceof Error ? error.message : String(error);
}

export interface SpecResult {
  report: StepReport;
  /** The config's schema, when the spec step passed. */
  configSchema?: ValidateFunction;
}

export async function specStep(source: ConnectorCommand, signal: AbortSignal | undefined): Promise<SpecResult> {
  const run = await collect(source, ['spec'], new Set(['SPEC']), signal);
  const problems: string[] = [];
  if (run.failure) problems.push(run.failure);
  if (run.messages.length !== 1) problems.push(`spec sent ${run.messages.length} SPEC messages; it must send exactly one`);
  const connectionSpecification = run.messages[0]?.spec?.connectionSpecification as Record<string, unknown> | undefined;
  let configSchema: ValidateFunction | undefined;
  if (connectionSpecification) {
    try {
      configSchema = compileSchema(connectionSpecification);
    } catch (error) {
      problems.push(`the spec's connectionSpecification is not a usable JSON schema: ${why(error)}`);
    }
  }
  const fields = Object.keys((connectionSpecification?.properties as Record<string, unknown> | undefined) ?? {}).length;
  const report = stepReport('spec', problems, `one SPEC; ${plural(fields, 'config field')}`);
  return report.status === 'passed' && configSchema ? { report, configSchema } : { report };
}

export function configStep(config: unknown, configSchema: ValidateFunction | undefined): StepReport {
  if (!configSchema) return skippedStep('config', 'no usable spec to check it against');
  if (configSchema(config)) return stepReport('config', [], "matches the spec's connectionSpecification");
  const problems = (configSchema.errors ?? []).map((e) => {
    const text = describeSchemaError(e, config, 'the config');
    return text.startsWith('field ') ? `config ${text}` : text;
  });
  return stepReport('config', problems, '');
}

export async function checkStep(source: ConnectorCommand, configPath: string, signal: AbortSignal | undefined): Promise<StepReport> {
  const run = await collect(source, ['check', '--config', configPath], new Set(['CONNECTION_STATUS']), signal);
  const statuses = run.messages.flatMap((m) => (m.connectionStatus ? [m.connectionStatus] : []));
  const problems: string[] = [];
  const failed = statuses.find((s) => s.status !== 'SUCCEEDED');
  if (failed) problems.push(`check FAILED${failed.message ? `: ${failed.message}` : ''}`);
  if (run.failure) problems.push(run.failure);
  if (statuses.length !== 1) problems.push(`check sent ${statuses.length} CONNECTION_STATUS messages; it must send exactly one`);
  return stepReport('check', problems, 'SUCCEEDED');
}

export interface DiscoverResult {
  report: StepReport;
  catalog?: AirbyteCatalog;
  /** Each stream's compiled schema; a stream whose schema does not compile has none (and failed the step). */
  schemas: Map<string, ValidateFunction>;
}

/** The catalog's problems; fills `schemas` with what compiles. */
function catalogProblems(catalog: AirbyteCatalog, schemas: Map<string, ValidateFunction>): string[] {
  const problems = new ProblemList();
  if (catalog.streams.length === 0) problems.add('the catalog has no streams');
  const seen = new Set<string>();
  for (const stream of catalog.streams) {
    if (seen.has(stream.name)) problems.add(`the catalog names stream "${stream.name}" twice`);
    seen.add(stream.name);
    if (stream.supported_sync_modes.length === 0) problems.add(`stream "${stream.name}" supports no sync mode`);
    try {
      schemas.set(stream.name, compileSchema(stream.json_schema));
    } catch (error) {
      problems.add(`the schema of stream "${stream.name}" is not a usable JSON schema: ${why(error)}`);
    }
  }
  return problems.all();
}

export async function discoverStep(source: ConnectorCommand, configPath: string, signal: AbortSignal | undefined): Promise<DiscoverResult> {
  const schemas = new Map<string, ValidateFunction>();
  let catalog: AirbyteCatalog;
  try {
    catalog = await discoverCatalog(source, configPath, { signal });
  } catch (error) {
    throwIfInterrupted(signal);
    return { report: stepReport('discover', [errorSentence(error)], ''), schemas };
  }
  throwIfInterrupted(signal);
  const problems = catalogProblems(catalog, schemas);
  return { report: stepReport('discover', problems, plural(catalog.streams.length, 'stream')), catalog, schemas };
}
