import { randomUUID } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename, stat, truncate, unlink } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import type {
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';
import { type Cell, type ColumnType, columnTypeOf, compareCells, formatMicros, schemaProperties, toCell } from '../schema-columns.js';
import { CommitPolicy, PendingStates } from './checkpoints.js';
import {
  type CloseOutcome,
  type Destination,
  type OpenOptions,
  type StreamResult,
  type WriteMode,
  cursorFieldOf,
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

interface StateFile {
  version: 1;
  states: Record<string, AirbyteStateMessage>;
  /** Committed length in bytes of each stream file. */
  files: Record<string, number>;
  /** Renames that were committed but may not have happened yet. */
  renames: { from: string; to: string }[];
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
  result: StreamResult;
}

function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function fileNameFor(stream: string): string {
  return `${stream.replace(/[^A-Za-z0-9._-]/g, '_')}.jsonl`;
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

interface CompactResult {
  size: number;
  lines: number;
  inserted: number;
  updated: number;
}

function withoutAirbyteFields(record: Record<string, unknown>): string {
  const { _airbyte_raw_id: _r, _airbyte_extracted_at: _e, _airbyte_meta: _m, ...data } = record;
  return JSON.stringify(data);
}

/**
 * Rewrites `source` into `target` keeping one line per primary key: the newest cursor, and on equal
 * cursors the later line. Counts how the lines from `newFrom` on changed what was there before.
 */
async function compact(
  source: string,
  target: string,
  keyFields: string[],
  cursorField: string | undefined,
  cursorType: ColumnType,
  newFrom: number,
): Promise<CompactResult> {
  interface Entry {
    line: string;
    cursor: Cell;
    isNew: boolean;
  }
  const winners = new Map<string, Entry>();
  /** For keys that existed before this sync: the stored data, to tell updates from re-reads. */
  const before = new Map<string, string>();
  const unkeyed: string[] = [];
  let position = 0;
  const input = createInterface({ input: createReadStream(source, { encoding: 'utf8' }), crlfDelay: Infinity });
  for await (const line of input) {
    const isNew = position >= newFrom;
    position += Buffer.byteLength(line) + 1;
    if (line.trim() === '') continue;
    let record: Record<string, unknown>;
    try {
      record = JSON.parse(line) as Record<string, unknown>;
    } catch {
      unkeyed.push(line); // not ours to judge; kept as it is
      continue;
    }
    const key = JSON.stringify(keyFields.map((f) => record[f] ?? null));
    const cursor = cursorField ? (toCell(record[cursorField], cursorType) ?? null) : null;
    const previous = winners.get(key);
    if (isNew && previous && !previous.isNew && !before.has(key)) {
      before.set(key, withoutAirbyteFields(JSON.parse(previous.line) as Record<string, unknown>));
    }
    if (!previous || compareCells(cursor, previous.cursor) >= 0) winners.set(key, { line, cursor, isNew });
  }
  const out = await open(target, 'w');
  let size = 0;
  let lines = 0;
  let inserted = 0;
  let updated = 0;
  try {
    let chunk = '';
    const all = [...[...winners.values()].map((w) => w.line), ...unkeyed];
    for (const line of all) {
      chunk += `${line}\n`;
      lines++;
      if (chunk.length > FLUSH_BYTES) {
        size += (await out.write(chunk)).bytesWritten;
        chunk = '';
      }
    }
    if (chunk) size += (await out.write(chunk)).bytesWritten;
    await out.sync();
  } finally {
    await out.close();
  }
  for (const [key, w] of winners) {
    if (!w.isNew) continue;
    const stored = before.get(key);
    if (stored === undefined) inserted++;
    else if (stored !== withoutAirbyteFields(JSON.parse(w.line) as Record<string, unknown>)) updated++;
  }
  return { size, lines, inserted, updated };
}

export class JsonlDestination implements Destination {
  readonly label: string;
  private readonly dir: string;
  private readonly statePath: string;
  private file: StateFile = { version: 1, states: {}, files: {}, renames: [] };
  private readonly streams = new Map<string, JsonlStream>();
  private readonly pending = new PendingStates<Map<string, Bound>>();
  private readonly policy: CommitPolicy;
  private onStateCommitted: ((state: AirbyteStateMessage) => void) | undefined;
  private locked = false;

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
      await this.lock();
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
        this.file = { version: 1, states: parsed.states ?? {}, files: parsed.files ?? {}, renames: parsed.renames ?? [] };
      } catch (error) {
        throw new DestinationError(`${this.statePath} is not valid JSON; restore it or remove it to start over`, { cause: error });
      }
    }
    await this.guard(`cannot write to ${this.dir}`, async () => {
      // Finish renames a crash interrupted; the state file already counts them as done.
      for (const { from, to } of this.file.renames) {
        if (await exists(join(this.dir, from))) await rename(join(this.dir, from), join(this.dir, to));
      }
      this.file.renames = [];
      await this.saveStateFile();
    });
  }

  async storedStates(): Promise<AirbyteStateMessage[]> {
    return Object.values(this.file.states);
  }

  async open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<void> {
    this.onStateCommitted = options?.onStateCommitted;
    for (const config of catalog.streams) {
      const stream = await this.guard(`cannot open the file for stream ${config.stream.name}`, () => this.openStream(config));
      this.streams.set(stream.name, stream);
    }
    await this.guard(`cannot write to ${this.dir}`, () => this.saveStateFile());
  }

  private async openStream(config: ConfiguredAirbyteStream): Promise<JsonlStream> {
    const name = config.stream.name;
    const mode = writeModeOf(config);
    const fileName = fileNameFor(name);
    const finalPath = join(this.dir, fileName);
    const size = (await stat(finalPath).catch(() => undefined))?.size;
    const committed = this.file.files[fileName];
    if (size !== undefined && committed !== undefined && size > committed) {
      await truncate(finalPath, committed); // drop records whose state never committed
    }
    // A file we did not write before is left as it is and appended to.
    this.file.files[fileName] = Math.min(committed ?? size ?? 0, size ?? 0);
    const writePath = mode === 'overwrite' ? `${finalPath}.tmp` : finalPath;
    const handle = await open(writePath, mode === 'overwrite' ? 'w' : 'a');
    const start = mode === 'overwrite' ? 0 : this.file.files[fileName]!;
    const cursorField = cursorFieldOf(config);
    const property = schemaProperties(config.stream.json_schema).find(([field]) => field === cursorField);
    return {
      name,
      mode,
      fileName,
      writePath,
      finalPath,
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
      ...record.data,
    })}\n`;
    const bytes = Buffer.byteLength(line);
    stream.buffer.push(line);
    stream.bufferBytes += bytes;
    stream.size += bytes;
    stream.lines++;
    this.policy.recordWritten();
    if (stream.bufferBytes >= FLUSH_BYTES) await this.guard(`cannot write ${stream.writePath}`, () => this.flush(stream));
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
      if (s.writePath !== s.finalPath) await unlink(s.writePath).catch(() => undefined);
    }
    if (this.locked) await unlink(join(this.dir, LOCK_FILE)).catch(() => undefined);
  }

  /**
   * Two syncs appending to the same files would interleave; the second one stops instead. A lock
   * left by a killed sync names a process that is gone and is taken over.
   */
  private async lock(): Promise<void> {
    const path = join(this.dir, LOCK_FILE);
    for (let attempt = 0; attempt < 2; attempt++) {
      try {
        const handle = await open(path, 'wx');
        await handle.write(String(process.pid));
        await handle.close();
        this.locked = true;
        return;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      if (pid > 0 && pid !== process.pid && processAlive(pid)) {
        throw new DestinationError(`another sync (PID ${pid}) is writing to ${this.dir}; wait for it to finish`);
      }
      await unlink(path).catch(() => undefined);
    }
    throw new DestinationError(`cannot lock ${this.dir}`);
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
      for (const entry of states) {
        const s = this.streams.get(entry.key);
        if (s?.mode === 'overwrite') {
          s.heldState = entry.message;
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
      await this.saveStateFile();

      for (const name of complete) {
        const s = this.streams.get(name);
        if (!s) continue;
        if (s.mode === 'overwrite') {
          await s.handle.close();
          await this.replaceFile(s, s.writePath, s.heldState);
          s.writePath = s.finalPath;
          s.handle = await open(s.finalPath, 'a');
          if (s.heldState) echo.push(s.heldState);
        } else if (s.keyFields.length > 0) {
          await this.replaceFile(s, s.finalPath, undefined);
          await s.handle.close();
          s.handle = await open(s.finalPath, 'a');
        } else {
          s.result.inserted = s.result.recordsCommitted;
          s.result.updated = 0;
          s.result.unchanged = 0;
        }
      }
    });
    this.policy.committed();
    for (const state of echo) this.onStateCommitted?.(state);
  }

  /**
   * Puts the de-duplicated content of `source` in place of the stream file, through a rename recorded
   * in the state file first. For a full refresh, `state` (or none) becomes the stream's state with it.
   */
  private async replaceFile(s: JsonlStream, source: string, state: AirbyteStateMessage | undefined): Promise<void> {
    const staged = `${s.fileName}.compact`;
    let size: number;
    if (s.keyFields.length > 0) {
      const newFrom = s.mode === 'overwrite' ? 0 : s.startSize;
      const r = await compact(source, join(this.dir, staged), s.keyFields, s.cursorField, s.cursorType, newFrom);
      size = r.size;
      s.result.inserted = r.inserted;
      s.result.updated = r.updated;
      s.result.unchanged = s.result.recordsCommitted - r.inserted - r.updated;
      if (source !== s.finalPath) await unlink(source).catch(() => undefined);
    } else {
      const handle = await open(source, 'r+');
      await handle.sync();
      await handle.close();
      await rename(source, join(this.dir, staged));
      size = (await stat(join(this.dir, staged))).size;
      s.result.inserted = s.result.recordsCommitted;
      s.result.updated = 0;
      s.result.unchanged = 0;
    }
    this.file.files[s.fileName] = size;
    this.file.renames = [{ from: staged, to: s.fileName }];
    if (s.mode === 'overwrite') {
      if (state) this.file.states[s.name] = state;
      else delete this.file.states[s.name];
    }
    await this.saveStateFile();
    await rename(join(this.dir, staged), s.finalPath);
    await syncDirectory(this.dir);
    this.file.renames = [];
    await this.saveStateFile();
    s.size = size;
    s.startSize = size;
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
