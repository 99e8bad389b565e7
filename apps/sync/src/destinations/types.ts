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
}

/**
 * A place records go. Lifecycle: connect → storedStates → open → (write | state)* → close → dispose.
 * `dispose` is always called, also after errors, and never throws.
 */
export interface Destination {
  /** Human label, e.g. `duckdb:/home/me/ada.duckdb`. */
  readonly label: string;
  /** Reaches the destination and proves it is writable, so bad input fails before the source starts. */
  connect(): Promise<void>;
  /** States committed by earlier syncs, one per stream. */
  storedStates(): Promise<AirbyteStateMessage[]>;
  open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<void>;
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
