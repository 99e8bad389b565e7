import type { AirbyteStateMessage, ConfiguredAirbyteStream } from '@ada-airbyte/core';
import { writeModeOf } from './types.js';

/**
 * The rules, shared by every built-in destination, for what a sync picks up from the last one:
 * an unfinished full refresh is resumed only where that is what the user asked for again and its
 * rows are all still there; an incremental stream whose data went missing is read from the start.
 */

/** Airbyte's marker of a full refresh that finished: given back, it makes a source start over. */
export const FULL_REFRESH_COMPLETE = '__ab_full_refresh_sync_complete';

/** Whether a full refresh's state says where to go on (e.g. a page position), not that it finished. */
export function isResumePosition(state: AirbyteStateMessage): boolean {
  if (state.type === 'GLOBAL' || !state.stream) return false;
  const blob = state.stream.stream_state as Record<string, unknown> | null | undefined;
  return typeof blob === 'object' && blob !== null && !Array.isArray(blob) && blob[FULL_REFRESH_COMPLETE] !== true && Object.keys(blob).length > 0;
}

export interface UnfinishedFullRefresh {
  state: AirbyteStateMessage;
  /** How the sync that left it was asked for (OpenOptions.request). */
  request: string | null;
}

/**
 * Whether this sync may go on with an unfinished full refresh, its data permitting: the same request
 * (a plain sync, or --full-refresh of the same streams), a source that says the stream can resume
 * (`is_resumable`), and a position to resume from. Anything else starts over.
 */
export function mayResume(config: ConfiguredAirbyteStream, saved: UnfinishedFullRefresh, request: string | undefined): boolean {
  return (
    request !== undefined &&
    saved.request === request &&
    config.sync_mode === 'full_refresh' &&
    writeModeOf(config) === 'overwrite' &&
    config.stream.is_resumable === true &&
    isResumePosition(saved.state)
  );
}

export function resumedNotice(stream: string, rows: number): string {
  return `resuming the full refresh of ${stream} where the last sync stopped (${rows} ${rows === 1 ? 'record' : 'records'} kept)`;
}

export function restartNotice(stream: string, why: string): string {
  return `warning: the unfinished full refresh of ${stream} starts over: ${why}`;
}

export function rereadNotice(stream: string, why: string): string {
  return `warning: reading ${stream} again from the start: ${why}`;
}
