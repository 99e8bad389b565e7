import { formatCount } from '../summary.js';
import type { ReadChecks } from './read-checks.js';
import { type StepReport, type StreamReport, stepReport } from './report.js';
import type { StreamCheck } from './stream-check.js';

export interface ReadResult {
  report: StepReport;
  streams: StreamReport[];
}

/** How the read ended. */
export interface ReadEnd {
  /** ada-sync stopped the source once it had read enough of every stream. */
  stopped: boolean;
  /** The source's output could not be read to its end, or the source could not start. */
  failure: string | undefined;
  /** The source exited with an error on its own. */
  exitFailure: string | undefined;
  exitCode: number | null | undefined;
}

/**
 * A stream the source ended INCOMPLETE without an ERROR for it, in a read that ended cleanly, was
 * skipped on purpose (an API the account lacks, say). A read ada-sync stopped counts as clean: its
 * exit code is ours, and the stop waited for an ERROR after the INCOMPLETE (ReadChecks.stopDelayMs).
 */
function skippedBySource(check: StreamCheck, cleanEnd: boolean): boolean {
  return cleanEnd && !check.cut && check.status === 'INCOMPLETE' && !check.sentError;
}

function streamReport(check: StreamCheck, cleanEnd: boolean, maxRecords: number): StreamReport {
  const skipped = skippedBySource(check, cleanEnd);
  if (!check.cut && check.status !== 'COMPLETE' && !skipped) {
    check.problems.add(check.status === undefined ? 'the stream never ended with a COMPLETE status' : `the stream ended ${check.status}, not COMPLETE`);
  }
  const problems = check.problems.all();
  const status = problems.length > 0 ? 'failed' : skipped ? 'skipped' : 'passed';
  return {
    stream: check.name,
    status,
    records: check.records,
    invalid_records: check.invalid,
    states: check.states,
    ended: check.cut ? `stopped at ${formatCount(maxRecords)} records` : (check.status ?? 'no status'),
    ...(status === 'skipped' && check.warning !== undefined ? { reason: check.warning } : {}),
    problems,
  };
}

function readDetail(streams: readonly StreamReport[], stopped: boolean, maxRecords: number): string {
  const count = (status: StreamReport['status']) => streams.filter((s) => s.status === status).length;
  if (count('failed') > 0) return `${count('failed')} of ${streams.length} streams failed`;
  const records = streams.reduce((sum, s) => sum + s.records, 0);
  const stop = stopped ? ` (stopped once each had ${formatCount(maxRecords)} or finished)` : '';
  const skipped = count('skipped') > 0 ? `; ${count('skipped')} skipped by the source` : '';
  return `${formatCount(records)} records from ${streams.length} stream${streams.length === 1 ? '' : 's'}${stop}${skipped}`;
}

/** The read step and its streams, once the source has exited or been stopped. */
export function readResult(checks: ReadChecks, end: ReadEnd, maxRecords: number): ReadResult {
  if (end.failure) checks.problems.add(end.failure);
  const { exitFailure } = end;
  // The exit's sentence is often the ERROR the source already sent; it is not said twice.
  if (exitFailure && !checks.problems.has((p) => p.includes(exitFailure.replace(/\.$/, '')))) checks.problems.add(exitFailure);
  const cleanEnd = (end.stopped || end.exitCode === 0) && end.failure === undefined && !checks.unattributedError;
  const streams = [...checks.streams.values()].map((c) => streamReport(c, cleanEnd, maxRecords));
  const report = stepReport('read', checks.problems.all(), readDetail(streams, end.stopped, maxRecords));
  if (streams.some((s) => s.status === 'failed')) report.status = 'failed';
  return { report, streams };
}
