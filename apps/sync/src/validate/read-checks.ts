import type { AirbyteLogMessage, AirbyteMessage, AirbyteStateMessage, AirbyteTraceMessage } from '@ada-airbyte/core';
import type { ValidateFunction } from 'ajv';
import { namesStream } from '../messages.js';
import { ProblemList } from './problems.js';
import { StreamCheck } from './stream-check.js';

/** Ample for a source to write the ERROR that follows a stream's INCOMPLETE status. */
const ERROR_GRACE_MS = 1_000;

/** The messages of a read, each handed to the check of the stream it names; the rest are the read's own problems. */
export class ReadChecks {
  readonly streams: ReadonlyMap<string, StreamCheck>;
  readonly problems = new ProblemList();
  /** An ERROR naming no stream may concern any of them, so no stream that ended INCOMPLETE is then taken as skipped. */
  unattributedError = false;
  /** GLOBAL states count the records of every stream since the previous one. */
  private sinceGlobalState = 0;

  constructor(names: readonly string[], schemas: ReadonlyMap<string, ValidateFunction>, maxRecords: number) {
    this.streams = new Map(names.map((name) => [name, new StreamCheck(name, schemas.get(name), maxRecords)]));
  }

  /** Every stream either cut at --max-records or finished, and at least one cut: nothing more is needed. */
  get done(): boolean {
    const all = [...this.streams.values()];
    return all.some((c) => c.cut) && all.every((c) => c.cut || c.terminal);
  }

  onMessage(message: AirbyteMessage): void {
    if (message.type === 'RECORD' && message.record) this.record(message.record.stream, message.record.data);
    else if (message.type === 'STATE' && message.state) this.state(message.state);
    else if (message.type === 'TRACE' && message.trace) this.trace(message.trace);
    else if (message.type === 'LOG' && message.log) this.log(message.log);
  }

  /**
   * How long to keep reading before stopping a read that is done. A source sends a stream's ERROR
   * just after its INCOMPLETE status, in a separate write: stopped in between, a failed stream would
   * pass for one skipped on purpose.
   */
  stopDelayMs(now = Date.now()): number {
    let delay = 0;
    for (const c of this.streams.values()) {
      if (c.status === 'INCOMPLETE' && !c.sentError && c.endedAt !== undefined) delay = Math.max(delay, c.endedAt + ERROR_GRACE_MS - now);
    }
    return delay;
  }

  private stream(name: string, what: string): StreamCheck | undefined {
    const check = this.streams.get(name);
    if (!check) this.problems.add(`a ${what} names stream "${name}", which is not in the catalog`);
    return check;
  }

  private record(name: string, data: unknown): void {
    const check = this.stream(name, 'RECORD');
    if (!check) return;
    this.sinceGlobalState++;
    check.record(data);
  }

  private state(state: AirbyteStateMessage): void {
    const count = (state as { sourceStats?: { recordCount?: unknown } }).sourceStats?.recordCount;
    if (state.type === 'STREAM' && state.stream) {
      this.stream(state.stream.stream_descriptor.name, 'STATE')?.state(count);
    } else if (state.type === 'GLOBAL') {
      for (const s of state.global?.stream_states ?? []) this.stream(s.stream_descriptor.name, 'GLOBAL STATE')?.globalState();
      if (typeof count === 'number' && count !== this.sinceGlobalState) {
        this.problems.add(`a GLOBAL STATE says ${count} records since the previous one, but ${this.sinceGlobalState} were sent`);
      }
      this.sinceGlobalState = 0;
    } else {
      this.problems.add('a LEGACY STATE names no stream; sources must send per-stream (STREAM) or GLOBAL states');
    }
  }

  private trace(trace: AirbyteTraceMessage): void {
    if (trace.type === 'STREAM_STATUS' && trace.stream_status) {
      this.stream(trace.stream_status.stream_descriptor.name, 'STREAM_STATUS')?.streamStatus(trace.stream_status.status);
    } else if (trace.type === 'ERROR' && trace.error) {
      const name = trace.error.stream_descriptor?.name;
      const check = name === undefined ? undefined : this.streams.get(name);
      if (check) check.error(trace.error.message);
      else {
        this.unattributedError = true;
        this.problems.add(`the source sent an ERROR: ${trace.error.message}`);
      }
    }
  }

  private log(log: AirbyteLogMessage): void {
    if (log.level !== 'WARN') return;
    for (const check of this.streams.values()) if (namesStream(log.message, check.name)) check.warn(log.message);
  }
}
