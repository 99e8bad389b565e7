import type { AirbyteStreamStatus } from '@ada-airbyte/core';
import type { ValidateFunction } from 'ajv';
import { ProblemList } from './problems.js';
import { describeSchemaError } from './schema-errors.js';

/**
 * What the protocol asks of one stream's messages, checked as they come: records that fit the
 * schema, STATEs whose record counts match what was sent, statuses in order, nothing after the end.
 */
export class StreamCheck {
  records = 0;
  invalid = 0;
  states = 0;
  /** Records since this stream's last STATE (or since the start): what its next STATE must count. */
  sinceState = 0;
  status: AirbyteStreamStatus | undefined;
  /** The read was stopped once this stream had sent --max-records records. */
  cut = false;
  /** The source sent a TRACE ERROR naming this stream: an INCOMPLETE end was then a failure, not a skip. */
  sentError = false;
  /** The source's last WARN naming this stream before it ended: its reason, should it skip the stream. */
  warning: string | undefined;
  /** When it reached COMPLETE or INCOMPLETE: a stop waits a moment after an INCOMPLETE for the ERROR that may follow. */
  endedAt: number | undefined;
  readonly problems = new ProblemList();

  constructor(
    readonly name: string,
    private readonly schema: ValidateFunction | undefined,
    private readonly maxRecords: number,
  ) {}

  get terminal(): boolean {
    return this.status === 'COMPLETE' || this.status === 'INCOMPLETE';
  }

  record(data: unknown): void {
    this.records++;
    this.sinceState++;
    if (this.terminal) this.problems.add(`record ${this.records} came after the stream's ${this.status} status`);
    if (this.schema && !this.schema(data)) {
      this.invalid++;
      const [first] = this.schema.errors ?? [];
      this.problems.add(`record ${this.records}: ${first ? describeSchemaError(first, data) : "it breaks the stream's schema"}`);
    }
    if (this.records === this.maxRecords && !this.terminal) this.cut = true;
  }

  /** A STREAM state; `recordCount` is its sourceStats.recordCount, when it has one. */
  state(recordCount: unknown): void {
    this.states++;
    if (this.terminal) this.problems.add(`a STATE came after the stream's ${this.status} status`);
    if (typeof recordCount === 'number' && recordCount !== this.sinceState) {
      this.problems.add(`STATE ${this.states} says ${recordCount} records since the previous one, but ${this.sinceState} were sent`);
    }
    this.sinceState = 0;
  }

  /** A GLOBAL state naming this stream; its count covers every stream, so it is checked by the read. */
  globalState(): void {
    this.states++;
    this.sinceState = 0;
  }

  streamStatus(next: AirbyteStreamStatus): void {
    if (this.terminal) this.problems.add(`status ${next} came after the stream's ${this.status} status`);
    else if (next === 'STARTED' && this.status !== undefined) this.problems.add('status STARTED came twice');
    else if (next !== 'STARTED' && this.status === undefined) this.problems.add(`status ${next} came before STARTED`);
    else if (next === 'STARTED' && this.records > 0) this.problems.add("status STARTED came after the stream's first records");
    if (next === 'COMPLETE' && this.states > 0 && this.sinceState > 0) {
      this.problems.add(`${this.sinceState} records came after the stream's last STATE, which does not cover them`);
    }
    if (this.terminal) return;
    this.status = next;
    if (!this.terminal) return;
    this.endedAt = Date.now();
    // A stream that finished on its own was not cut short, whatever its count.
    this.cut = false;
  }

  error(message: string): void {
    this.sentError = true;
    this.problems.add(`the source sent an ERROR: ${message}`);
  }

  warn(text: string): void {
    if (!this.terminal) this.warning = text;
  }
}
