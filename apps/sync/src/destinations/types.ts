import type {
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';

/** What one stream's sync did to the destination. Counts are null where the destination cannot tell. */
export interface StreamResult {
  stream: string;
  /** Records made durable (committed together with a state, or at the end of a complete stream). */
  recordsCommitted: number;
  inserted: number | null;
  updated: number | null;
  /** Records read again whose stored row was identical (e.g. from a lookback window). */
  unchanged: number | null;
}

export interface CloseOutcome {
  /**
   * Streams the source finished. Their trailing records (after the last STATE) are committed and a
   * full refresh of them replaces the old table. Other streams keep only what their last STATE covers.
   */
  completedStreams: ReadonlySet<string>;
}

export interface OpenOptions {
  /** Called, in order, for each STATE once it and every record before it are durable. */
  onStateCommitted?: (state: AirbyteStateMessage) => void;
  /**
   * How this sync was asked for (see resumeRequest in run.ts). A full refresh that an earlier sync
   * left unfinished is resumed only by a sync asked for the same way; without it, every full refresh
   * starts over (as for the Airbyte platform, which resumes through its own states).
   */
  request?: string | undefined;
}

export interface OpenResult {
  /**
   * The states to give the source: the committed state of each incremental stream whose data is still
   * there, and the position of each full refresh being resumed. Never a finished full refresh's.
   */
  states: AirbyteStateMessage[];
  /** What the destination found and did about it, one sentence each: a stream read again from the start, a full refresh resumed. */
  notices: string[];
}

/**
 * A place records go. Lifecycle: connect → open → (write | state)* → close → dispose.
 * `dispose` is always called, also after errors, and never throws.
 */
export interface Destination {
  /** Human label, e.g. `duckdb:/home/me/ada.duckdb`. */
  readonly label: string;
  /** Reaches the destination and proves it is writable, so bad input fails before the source starts. */
  connect(): Promise<void>;
  /** Prepares the tables for the catalog, and says which stored states the source gets. */
  open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<OpenResult>;
  /**
   * Returns a promise only when it has to wait (a flush); the hot path stays synchronous. `line` is
   * the RECORD message as the source wrote it, given only where JSON.stringify wrote it (source-ada):
   * no duplicate keys, numbers in their shortest form, so that its text says what `record` says.
   */
  write(record: AirbyteRecordMessage, line?: RecordLine): Promise<void> | void;
  state(state: AirbyteStateMessage): Promise<void>;
  /** Forwarded stream status, for destinations that pass the protocol on (see command.ts). */
  streamStatus?(stream: string, status: 'STARTED' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE'): Promise<void>;
  close(outcome: CloseOutcome): Promise<StreamResult[]>;
  /** What has been committed so far: what a sync reports when the destination failed before close. */
  committed(): StreamResult[];
  dispose(): Promise<void>;
}

/** A RECORD message as the source wrote it (see Destination.write). */
export interface RecordLine {
  text: string;
  /** Its UTF-8 bytes where they were at hand: a view of the read buffer, valid during the call only. */
  utf8?: Buffer | undefined;
}

export type WriteMode = 'append' | 'dedup' | 'overwrite';

/** How a configured stream is written. Overwrite with a primary key is also de-duplicated. */
export function writeModeOf(stream: ConfiguredAirbyteStream): WriteMode {
  switch (stream.destination_sync_mode) {
    case 'overwrite':
      return 'overwrite';
    case 'append_dedup':
    case 'update':
      return 'dedup';
    default:
      return 'append';
  }
}

/** Top-level field names of the configured primary key; nested paths cannot be keys of a flat table. */
export function primaryKeyFields(stream: ConfiguredAirbyteStream): string[] {
  const pk = stream.primary_key ?? stream.stream.source_defined_primary_key ?? [];
  return pk.map((path) => {
    if (path.length !== 1 || path[0] === undefined) {
      throw new DestinationError(`stream ${stream.stream.name} has a nested primary key ${JSON.stringify(path)}, which a flat table cannot use`);
    }
    return path[0];
  });
}

export function cursorFieldOf(stream: ConfiguredAirbyteStream): string | undefined {
  const cursor = stream.cursor_field?.length ? stream.cursor_field : stream.stream.default_cursor_field;
  if (!cursor || cursor.length === 0) return undefined;
  return cursor.length === 1 ? cursor[0] : undefined;
}

/** Which stream a state message belongs to; GLOBAL and LEGACY states cover every stream. */
export function stateKey(state: AirbyteStateMessage): string {
  if (state.type === 'GLOBAL') return '__global__';
  if (state.type === 'STREAM' || state.stream) {
    const name = state.stream?.stream_descriptor.name;
    if (name !== undefined) return name;
  }
  return '__legacy__';
}

/** The state as a source wants it back: without the stats the pipeline added. */
export function stripStats(state: AirbyteStateMessage): AirbyteStateMessage {
  const { sourceStats: _s, destinationStats: _d, ...rest } = state;
  return rest;
}

/**
 * The stored states an incremental read gets: its streams' own, and GLOBAL or LEGACY ones when there
 * is an incremental stream at all. A full refresh's own state is never among them.
 */
export function incrementalStates(stored: Iterable<AirbyteStateMessage>, catalog: ConfiguredAirbyteCatalog): AirbyteStateMessage[] {
  const incremental = new Set(catalog.streams.filter((s) => s.sync_mode === 'incremental').map((s) => s.stream.name));
  return [...stored].filter((s) => {
    const key = stateKey(s);
    return incremental.has(key) || (key.startsWith('__') && incremental.size > 0);
  });
}
