import { randomUUID } from 'node:crypto';
import { type FileHandle, mkdir, open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { basename, join, resolve } from 'node:path';
import type {
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';
import { AIRBYTE_COLUMNS, type ColumnType, columnTypeOf, formatMicros, schemaProperties } from '../schema-columns.js';
import { CommitPolicy, PendingStates } from './checkpoints.js';
import { DirLock } from './dir-lock.js';
import { cutProblem, exists, lastLineEnd, syncDirectory } from './jsonl-files.js';
import { compactFile } from './jsonl-compact.js';
import { SeenKeys } from './key-fingerprints.js';
import { type UnfinishedFullRefresh, mayResume, rereadNotice, restartNotice, resumedNotice } from './resume.js';
import {
  type CloseOutcome,
  type Destination,
  type OpenOptions,
  type OpenResult,
  type StreamResult,
  type WriteMode,
  cursorFieldOf,
  incrementalStates,
  primaryKeyFields,
  stateKey,
  writeModeOf,
} from './types.js';

/**
 * `jsonl:DIR`: one `<stream>.jsonl` file per stream, one record per line (the record's fields plus
 * the `_airbyte_*` fields), and `_airbyte_state.json`, which is the commit point.
 *
 * The state file holds the committed length of every stream file. Records are appended and fsynced
 * before the state file (written atomically: temp file, fsync, rename) advances; on open, each file is
 * cut back to its committed length, so records whose state never committed are not kept twice.
 * Renames (a full refresh swapping in its file, the de-duplicating rewrite at the end of a sync) are
 * recorded in the state file before they happen and redone on the next open if a crash interrupted them.
 */

const STATE_FILE = '_airbyte_state.json';
const LOCK_FILE = '.ada-sync.lock';
const FLUSH_BYTES = 1 << 20;
/** Where the de-duplication may spill to disk, inside the output directory (removed after each use). */
const SPILL_DIR = '.ada-sync-compact.tmp';

interface StateFile {
  version: 1;
  states: Record<string, AirbyteStateMessage>;
  /** Committed length in bytes of each stream file. */
  files: Record<string, number>;
  /** Renames that were committed but may not have happened yet. */
  renames: { from: string; to: string }[];
  /**
   * Full refreshes not finished yet, by stream: the position their last committed state gives, and
   * how much of their `<stream>.jsonl.tmp` file it covers. Never a stream's state for an incremental read.
   */
  in_progress: Record<string, UnfinishedFile>;
}

interface UnfinishedFile extends UnfinishedFullRefresh {
  /** Committed length in bytes of the tmp file, and its lines. */
  size: number;
  lines: number;
}

/** A file ready to take a stream file's place: its name in the output directory, and its size. */
interface Replacement {
  from: string;
  size: number;
}

interface OpenedStream {
  stream: JsonlStream;
  /** The state the source gets for it, if any. */
  state: AirbyteStateMessage | undefined;
}

interface Bound {
  size: number;
  lines: number;
}

interface JsonlStream {
  name: string;
  mode: WriteMode;
  fileName: string;
  /** The file records go to: the stream file, or for a full refresh a temporary one. */
  writePath: string;
  finalPath: string;
  handle: FileHandle;
  size: number;
  lines: number;
  committedLines: number;
  startSize: number;
  buffer: string[];
  bufferBytes: number;
  keyFields: string[];
  cursorField: string | undefined;
  cursorType: ColumnType;
  heldState: AirbyteStateMessage | undefined;
  /**
   * Whether every key this sync wrote into a file that was empty is new (as far as `seen` can tell):
   * such a file needs no de-duplication.
   */
  keysAllNew: boolean;
  result: StreamResult;
}

/**
 * A record's own fields named like ours (`_airbyte_raw_id`, …) get a suffix, as the SQL destinations
 * name their columns (`_airbyte_raw_id_1`): ours are the line's, and the record's are kept beside them.
 */
function ownFieldsRenamed(data: Record<string, unknown>): Record<string, unknown> {
  if (!AIRBYTE_COLUMNS.some((field) => Object.hasOwn(data, field))) return data;
  const renamed: Record<string, unknown> = {};
  for (const [field, value] of Object.entries(data)) {
    let name = field;
    if ((AIRBYTE_COLUMNS as readonly string[]).includes(field)) {
      let i = 1;
      while (Object.hasOwn(data, `${field}_${i}`) || Object.hasOwn(renamed, `${field}_${i}`)) i++;
      name = `${field}_${i}`;
    }
    // defineProperty, not assignment: a field named "__proto__" stays a field.
    Object.defineProperty(renamed, name, { value, enumerable: true, writable: true, configurable: true });
  }
  return renamed;
}

function fileNameFor(stream: string): string {
  return `${stream.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`;
}

export class JsonlDestination implements Destination {
  readonly label: string;
  private readonly dir: string;
  private readonly statePath: string;
  private file: StateFile = { version: 1, states: {}, files: {}, renames: [], in_progress: {} };
  private request: string | undefined;
  private readonly streams = new Map<string, JsonlStream>();
  private readonly pending = new PendingStates<Map<string, Bound>>();
  private readonly policy: CommitPolicy;
  private onStateCommitted: ((state: AirbyteStateMessage) => void) | undefined;
  private lock: DirLock | undefined;
  /** The keys of first backfills, to spare them the de-duplication pass; made at the first such key. */
  private seen: SeenKeys | undefined;

  constructor(dir: string, policy?: CommitPolicy) {
    this.label = `jsonl:${dir}`;
    this.dir = resolve(dir);
    this.statePath = join(this.dir, STATE_FILE);
    this.policy = policy ?? new CommitPolicy();
  }

  async connect(): Promise<void> {
    await this.guard(`cannot use ${this.dir} as the output directory`, async () => {
      const info = await stat(this.dir).catch(() => undefined);
      if (info && !info.isDirectory()) throw new DestinationError(`${this.dir} exists and is not a directory`);
      await mkdir(this.dir, { recursive: true });
      this.lock = await DirLock.take(join(this.dir, LOCK_FILE), this.dir);
    });
    let text: string | undefined;
    try {
      text = await readFile(this.statePath, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') {
        throw new DestinationError(`cannot read ${this.statePath}`, { cause: error });
      }
    }
    if (text !== undefined) {
      try {
        const parsed = JSON.parse(text) as Partial<StateFile>;
        this.file = {
          version: 1,
          states: parsed.states ?? {},
          files: parsed.files ?? {},
          renames: parsed.renames ?? [],
          in_progress: parsed.in_progress ?? {},
        };
      } catch (error) {
        throw new DestinationError(`${this.statePath} is not valid JSON; restore it or remove it to start over`, { cause: error });
      }
    }
    // Finish renames a crash interrupted; the state file already counts them as done.
    await this.guard(`cannot write to ${this.dir}`, () => this.applyRenames());
  }

  async open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<OpenResult> {
    this.onStateCommitted = options?.onStateCommitted;
    this.request = options?.request;
    const passed: AirbyteStateMessage[] = [];
    const notices: string[] = [];
    for (const config of catalog.streams) {
      const { stream, state } = await this.guard(`cannot open the file for stream ${config.stream.name}`, () =>
        writeModeOf(config) === 'overwrite' ? this.openFullRefresh(config, notices) : this.openAppending(config, notices),
      );
      this.streams.set(stream.name, stream);
      if (state) passed.push(state);
    }
    await this.guard(`cannot write to ${this.dir}`, () => this.saveStateFile());
    const global = incrementalStates(
      Object.entries(this.file.states).filter(([key]) => key.startsWith('__')).map(([, state]) => state),
      catalog,
    );
    return { states: [...global, ...passed], notices };
  }

  committed(): StreamResult[] {
    return [...this.streams.values()].map((s) => ({ ...s.result }));
  }

  /**
   * A full refresh goes on in its tmp file where the last sync left one unfinished, this sync may
   * resume it (see mayResume) and the file still holds every line committed with its position (cut
   * back to them); otherwise it starts over in an empty file.
   */
  private async openFullRefresh(config: ConfiguredAirbyteStream, notices: string[]): Promise<OpenedStream> {
    const name = config.stream.name;
    const finalPath = join(this.dir, fileNameFor(name));
    const tmpPath = `${finalPath}.tmp`;
    const saved = this.file.in_progress[name];
    if (saved && mayResume(config, saved, this.request)) {
      const problem = await cutProblem(tmpPath, saved.size);
      if (problem === undefined) {
        await truncate(tmpPath, saved.size);
        notices.push(resumedNotice(name, saved.lines));
        const stream = this.newStream(config, tmpPath, await open(tmpPath, 'a'), saved.size);
        stream.lines = saved.lines;
        stream.committedLines = saved.lines;
        return { stream, state: saved.state };
      }
      notices.push(restartNotice(name, `its file ${basename(tmpPath)} ${problem}`));
    }
    delete this.file.in_progress[name];
    return { stream: this.newStream(config, tmpPath, await open(tmpPath, 'w'), 0), state: undefined };
  }

  /**
   * An appending stream goes on from its stored state, its file cut back to the committed length, unless
   * the file is gone, shorter than that, or the length does not end a line: then the state is dropped and
   * the stream read from the start, after the last whole line (with no key, after none: the records still
   * there would be there twice).
   */
  private async openAppending(config: ConfiguredAirbyteStream, notices: string[]): Promise<OpenedStream> {
    const name = config.stream.name;
    const fileName = fileNameFor(name);
    const finalPath = join(this.dir, fileName);
    // A full refresh left unfinished by another kind of sync (or its file left behind by a crash): this one writes the stream file itself.
    await unlink(`${finalPath}.tmp`).catch(() => undefined);
    delete this.file.in_progress[name];
    const size = (await stat(finalPath).catch(() => undefined))?.size;
    const committed = this.file.files[fileName];
    const state = this.file.states[name];
    const problem = committed === undefined ? undefined : await cutProblem(finalPath, committed);
    let start: number;
    if (problem !== undefined && state !== undefined && config.sync_mode === 'incremental') {
      notices.push(rereadNotice(name, `its file ${fileName} ${problem}`));
      delete this.file.states[name];
      start = size === undefined || primaryKeyFields(config).length === 0 ? 0 : await lastLineEnd(finalPath, Math.min(size, committed!));
      if (size !== undefined) await truncate(finalPath, start);
    } else {
      // A file we did not write before is left as it is and appended to.
      start = Math.min(committed ?? size ?? 0, size ?? 0);
      if (size !== undefined && size > start) await truncate(finalPath, start); // drop records whose state never committed
    }
    this.file.files[fileName] = start;
    const stream = this.newStream(config, finalPath, await open(finalPath, 'a'), start);
    return { stream, state: problem === undefined && config.sync_mode === 'incremental' ? state : undefined };
  }

  private newStream(config: ConfiguredAirbyteStream, writePath: string, handle: FileHandle, start: number): JsonlStream {
    const name = config.stream.name;
    const mode = writeModeOf(config);
    const fileName = fileNameFor(name);
    const cursorField = cursorFieldOf(config);
    const property = schemaProperties(config.stream.json_schema).find(([field]) => field === cursorField);
    return {
      name,
      mode,
      fileName,
      writePath,
      finalPath: join(this.dir, fileName),
      handle,
      size: start,
      lines: 0,
      committedLines: 0,
      startSize: start,
      buffer: [],
      bufferBytes: 0,
      keyFields: mode === 'append' ? [] : primaryKeyFields(config),
      cursorField: mode === 'append' ? undefined : cursorField,
      cursorType: property ? columnTypeOf(property[1]) : 'string',
      heldState: undefined,
      keysAllNew: start === 0 && mode !== 'append',
      result: { stream: name, recordsCommitted: 0, inserted: null, updated: null, unchanged: null },
    };
  }

  async write(record: AirbyteRecordMessage): Promise<void> {
    const stream = this.streams.get(record.stream);
    if (!stream) return;
    const line = `${JSON.stringify({
      _airbyte_raw_id: randomUUID(),
      _airbyte_extracted_at: formatMicros(BigInt(Math.trunc(record.emitted_at)) * 1000n),
      _airbyte_meta: { changes: record.meta?.changes ?? [] },
      ...ownFieldsRenamed(record.data as Record<string, unknown>),
    })}\n`;
    const bytes = Buffer.byteLength(line);
    stream.buffer.push(line);
    stream.bufferBytes += bytes;
    stream.size += bytes;
    stream.lines++;
    if (stream.keysAllNew) this.rememberKey(stream, record.data as Record<string, unknown>);
    this.policy.recordWritten();
    if (stream.bufferBytes >= FLUSH_BYTES) await this.guard(`cannot write ${stream.writePath}`, () => this.flush(stream));
  }

  private rememberKey(stream: JsonlStream, data: Record<string, unknown>): void {
    // The key as de-duplication compares it (a missing field is a null), in one filter for every stream.
    const key = JSON.stringify([stream.name, ...stream.keyFields.map((f) => data[f] ?? null)]);
    this.seen ??= new SeenKeys();
    if (!this.seen.add(key)) stream.keysAllNew = false;
  }

  async state(state: AirbyteStateMessage): Promise<void> {
    const key = stateKey(state);
    const covered = this.streams.has(key) ? [this.streams.get(key)!] : key.startsWith('__') ? [...this.streams.values()] : [];
    this.pending.add(state, new Map(covered.map((s) => [s.name, { size: s.size, lines: s.lines }])));
    if (this.policy.due()) await this.commit(new Set());
  }

  async close(outcome: CloseOutcome): Promise<StreamResult[]> {
    await this.commit(outcome.completedStreams);
    // Lines after the last committed state would be cut on the next open anyway; cut them now.
    await this.guard(`cannot write to ${this.dir}`, async () => {
      for (const s of this.streams.values()) {
        if (s.mode !== 'overwrite' && !outcome.completedStreams.has(s.name)) {
          await this.flush(s);
          await s.handle.truncate(this.file.files[s.fileName] ?? 0);
        }
      }
    });
    return [...this.streams.values()].map((s) => ({ ...s.result }));
  }

  async dispose(): Promise<void> {
    for (const s of this.streams.values()) {
      await s.handle.close().catch(() => undefined);
      // A tmp file that holds lines committed with a position stays, for the next sync to resume.
      if (s.writePath !== s.finalPath && !this.file.in_progress[s.name]) await unlink(s.writePath).catch(() => undefined);
    }
    await this.lock?.release().catch(() => undefined);
    this.lock = undefined;
  }

  private async flush(stream: JsonlStream): Promise<void> {
    if (stream.buffer.length === 0) return;
    const text = stream.buffer.join('');
    stream.buffer = [];
    stream.bufferBytes = 0;
    await stream.handle.write(text);
  }

  private async commit(complete: ReadonlySet<string>): Promise<void> {
    const states = this.pending.take();
    const bounds = new Map<string, Bound>();
    for (const entry of states) {
      for (const [name, bound] of entry.bound) {
        const current = bounds.get(name);
        if (!current || bound.size > current.size) bounds.set(name, bound);
      }
    }
    for (const name of complete) {
      const s = this.streams.get(name);
      if (s) bounds.set(name, { size: s.size, lines: s.lines });
    }
    if (bounds.size === 0 && states.length === 0) return;

    const echo: AirbyteStateMessage[] = [];
    await this.guard(`cannot write to ${this.dir}`, async () => {
      for (const name of bounds.keys()) {
        const s = this.streams.get(name)!;
        await this.flush(s);
        await s.handle.datasync();
      }
      // The work this commit covers comes first: a finished stream's de-duplicated file is ready
      // before the state file says it is done, so a crash meanwhile commits nothing of it.
      const finished = [...complete].map((name) => this.streams.get(name)).filter((s): s is JsonlStream => s !== undefined);
      const replacements = new Map<JsonlStream, Replacement | undefined>();
      for (const s of finished) replacements.set(s, await this.prepareReplacement(s));

      for (const entry of states) {
        const s = this.streams.get(entry.key);
        if (s?.mode === 'overwrite') {
          // Its state replaces the stream's only with the new file; until then it is where to resume.
          s.heldState = entry.message;
          const bound = entry.bound.get(s.name);
          if (this.request !== undefined && bound && !complete.has(s.name)) {
            this.file.in_progress[s.name] = { state: entry.message, request: this.request, size: bound.size, lines: bound.lines };
          }
        } else {
          this.file.states[entry.key] = entry.message;
          echo.push(entry.message);
        }
      }
      for (const [name, bound] of bounds) {
        const s = this.streams.get(name)!;
        s.result.recordsCommitted += bound.lines - s.committedLines;
        s.committedLines = bound.lines;
        if (s.mode !== 'overwrite') this.file.files[s.fileName] = bound.size;
      }
      for (const [s, replacement] of replacements) {
        if (replacement) {
          this.file.files[s.fileName] = replacement.size;
          this.file.renames.push({ from: replacement.from, to: s.fileName });
        }
        if (s.mode === 'overwrite') {
          if (s.heldState) this.file.states[s.name] = s.heldState;
          else delete this.file.states[s.name];
          delete this.file.in_progress[s.name];
          if (s.heldState) echo.push(s.heldState);
        }
      }
      await this.saveStateFile();
      await this.applyRenames();

      for (const s of finished) {
        if (s.writePath !== s.finalPath) await unlink(s.writePath).catch(() => undefined);
        await s.handle.close().catch(() => undefined);
        s.writePath = s.finalPath;
        s.handle = await open(s.finalPath, 'a');
        s.size = this.file.files[s.fileName] ?? 0;
        s.startSize = s.size;
      }
    });
    this.policy.committed();
    for (const state of echo) this.onStateCommitted?.(state);
  }

  /**
   * For a finished stream, the file that replaces its stream file, made ready (written and fsynced)
   * but not yet in place: the de-duplicated copy of what it holds now, or for a full refresh its tmp
   * file as it is. Undefined when the stream file stays as it is. Also fills in the stream's counts.
   */
  private async prepareReplacement(s: JsonlStream): Promise<Replacement | undefined> {
    if (s.mode === 'overwrite') await s.handle.close();
    const keyed = s.keyFields.length > 0;
    if (!keyed) {
      s.result.inserted = s.result.recordsCommitted;
      s.result.updated = 0;
      s.result.unchanged = 0;
      return s.mode === 'overwrite' ? { from: basename(s.writePath), size: s.size } : undefined;
    }
    if (s.keysAllNew && s.startSize === 0) {
      // Every line holds a key of its own: nothing to drop, and every record is new.
      s.result.inserted = s.result.recordsCommitted;
      s.result.updated = 0;
      s.result.unchanged = 0;
      return s.mode === 'overwrite' ? { from: basename(s.writePath), size: s.size } : undefined;
    }
    const staged = `${s.fileName}.compact`;
    const r = await compactFile(
      {
        path: s.writePath,
        keyFields: s.keyFields,
        cursorField: s.cursorField,
        cursorType: s.cursorType,
        newFrom: s.startSize,
        spillDir: join(this.dir, SPILL_DIR),
      },
      join(this.dir, staged),
    );
    s.result.inserted = r.inserted;
    s.result.updated = r.updated;
    s.result.unchanged = s.result.recordsCommitted - r.inserted - r.updated;
    if (r.rewritten) return { from: staged, size: r.size };
    return s.mode === 'overwrite' ? { from: basename(s.writePath), size: r.size } : undefined;
  }

  /** Carries out the renames the state file records (it already counts them as done), then forgets them. */
  private async applyRenames(): Promise<void> {
    if (this.file.renames.length === 0) return;
    for (const { from, to } of this.file.renames) {
      if (await exists(join(this.dir, from))) await rename(join(this.dir, from), join(this.dir, to));
    }
    await syncDirectory(this.dir);
    this.file.renames = [];
    await this.saveStateFile();
  }

  private async saveStateFile(): Promise<void> {
    const tmp = `${this.statePath}.tmp`;
    const handle = await open(tmp, 'w');
    try {
      await handle.write(`${JSON.stringify(this.file, null, 2)}\n`);
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(tmp, this.statePath);
    await syncDirectory(this.dir);
  }

  private async guard<T>(context: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DestinationError) throw error;
      throw new DestinationError(context, { cause: error });
    }
  }
}

export function jsonlDestination(dir: string, policy?: CommitPolicy): JsonlDestination {
  return new JsonlDestination(dir, policy);
}
