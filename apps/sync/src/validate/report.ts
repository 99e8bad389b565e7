import { formatCount, formatDuration, formatTable } from '../summary.js';

export type Outcome = 'passed' | 'failed' | 'skipped';

export type StepName = 'spec' | 'config' | 'check' | 'discover' | 'read';

export interface StepReport {
  step: StepName;
  status: Outcome;
  detail: string;
  problems: string[];
}

export interface StreamReport {
  stream: string;
  /** skipped: the source ended the stream INCOMPLETE on purpose, with no error and a clean exit. */
  status: Outcome;
  records: number;
  invalid_records: number;
  states: number;
  /** How the stream ended: its last STREAM_STATUS, or `stopped at N` when the read was cut there. */
  ended: string;
  /** For a skipped stream, the source's last warning that named it, when it logged one. */
  reason?: string;
  problems: string[];
}

export interface ValidationReport {
  status: 'passed' | 'failed';
  source: string;
  max_records: number;
  steps: StepReport[];
  streams: StreamReport[];
  duration_ms: number;
}

/** A step that passed with `detail`, or failed with its first problem as the detail. Long lists come capped, as ProblemList keeps them. */
export function stepReport(step: StepName, problems: readonly string[], detail: string): StepReport {
  return { step, status: problems.length > 0 ? 'failed' : 'passed', detail: problems[0] ?? detail, problems: [...problems] };
}

export function skippedStep(step: StepName, why: string): StepReport {
  return { step, status: 'skipped', detail: why, problems: [] };
}

const RESULT: Record<Outcome, string> = { passed: 'PASS', failed: 'FAIL', skipped: 'SKIP' };

function streamDetail(s: StreamReport): string {
  if (s.problems[0] !== undefined) return s.problems[0];
  if (s.status === 'skipped') return s.reason ?? `ended ${s.ended} without an error or a reason`;
  return s.ended.startsWith('stopped') ? `${s.ended} (--max-records)` : `ended ${s.ended}`;
}

function tableRows(report: ValidationReport): string[][] {
  const rows: string[][] = [];
  for (const s of report.steps) {
    rows.push([s.step, '', '', '', RESULT[s.status], s.detail]);
    if (s.step !== 'read') continue;
    for (const st of report.streams) rows.push(['', st.stream, formatCount(st.records), formatCount(st.states), RESULT[st.status], streamDetail(st)]);
  }
  return rows;
}

/** What the table's one detail per row leaves out. */
function moreProblems(report: ValidationReport): string[] {
  const lines: string[] = [];
  for (const s of report.steps) for (const p of s.problems.slice(1)) lines.push(`  ${s.step}: ${p}`);
  for (const st of report.streams) {
    if (st.invalid_records > 1) lines.push(`  ${st.stream}: ${formatCount(st.invalid_records)} of ${formatCount(st.records)} records break the stream's schema`);
    for (const p of st.problems.slice(1)) lines.push(`  ${st.stream}: ${p}`);
  }
  return lines;
}

function verdict(report: ValidationReport): string {
  const took = formatDuration(report.duration_ms);
  if (report.status === 'passed') {
    const skipped = report.streams.filter((s) => s.status === 'skipped').map((s) => s.stream);
    const note = skipped.length > 0 ? ` (skipped by the source: ${skipped.join(', ')})` : '';
    return `Validation passed in ${took}: ${report.source} follows the Airbyte protocol${note}.`;
  }
  // A read that failed only through its streams is named by them, not twice.
  const failed = [
    ...report.steps.filter((s) => s.status === 'failed' && !(s.step === 'read' && s.problems.length === 0)).map((s) => s.step),
    ...report.streams.filter((s) => s.status === 'failed').map((s) => `stream ${s.stream}`),
  ];
  return `Validation failed in ${took}: ${failed.join(', ')}.`;
}

/** The PASS/FAIL/SKIP table, the problems it had no room for, and the verdict. */
export function formatReport(report: ValidationReport): string {
  const table = formatTable(['step', 'stream', 'records', 'states', 'result', 'detail'], tableRows(report), new Set([2, 3]));
  const more = moreProblems(report);
  return [table, ...(more.length > 0 ? ['', 'More problems:', ...more] : []), '', verdict(report)].join('\n');
}

/** The --json form: the report as it is, on one line. */
export function reportJson(report: ValidationReport): string {
  return JSON.stringify(report);
}
