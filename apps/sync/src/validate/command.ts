import { parseArgs } from 'node:util';
import { UsageError, errorSentence } from '../errors.js';
import { formatReport, reportJson } from './report.js';
import { DEFAULT_MAX_RECORDS, type ValidateOptions, validateSource } from './validate-source.js';

const OPTIONS = {
  config: { type: 'string' },
  'source-command': { type: 'string' },
  'max-records': { type: 'string' },
  streams: { type: 'string' },
  json: { type: 'boolean', default: false },
  quiet: { type: 'boolean', default: false },
} as const;

type Values = ReturnType<typeof parseArgs<{ args: string[]; strict: true; options: typeof OPTIONS }>>['values'];

function parseValues(args: string[]): Values {
  try {
    return parseArgs({ args, strict: true, options: OPTIONS }).values;
  } catch (error) {
    throw new UsageError(`${error instanceof Error ? error.message.split('\n')[0]!.replace(/\.$/, '') : String(error)}; see ada-sync --help`);
  }
}

function parseMaxRecords(raw: string | undefined): number {
  if (raw === undefined) return DEFAULT_MAX_RECORDS;
  const n = Number(raw);
  if (!/^\d+$/.test(raw) || n < 1) throw new UsageError('--max-records must be a whole number of at least 1');
  return n;
}

function validateOptions(values: Values, signal: AbortSignal | undefined): ValidateOptions {
  if (values.config === undefined) throw new UsageError('validate needs --config CONFIG.json; see ada-sync --help');
  const quiet = values.quiet || values.json;
  return {
    configPath: values.config,
    sourceCommand: values['source-command'],
    maxRecords: parseMaxRecords(values['max-records']),
    streams: values.streams
      ?.split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    signal,
    onStep: quiet ? undefined : (line) => process.stderr.write(`validate: ${line}\n`),
  };
}

/** `ada-sync validate --config F [--source-command CMD] [--max-records N] [--streams a,b] [--json] [--quiet]`. */
export async function validateCommand(args: string[], signal?: AbortSignal): Promise<number> {
  const values = parseValues(args);
  try {
    const report = await validateSource(validateOptions(values, signal));
    process.stdout.write(`${values.json ? reportJson(report) : formatReport(report)}\n`);
    return report.status === 'passed' ? 0 : 1;
  } catch (error) {
    // A CI job that reads stdout as JSON still gets JSON; the error's sentence and exit code follow as usual.
    if (values.json) process.stdout.write(`${JSON.stringify({ status: 'failed', error: errorSentence(error) })}\n`);
    throw error;
  }
}
