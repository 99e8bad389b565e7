import { randomUUID } from 'node:crypto';
import type {
  AirbyteRecordMessage,
  AirbyteStateMessage,
  ConfiguredAirbyteCatalog,
  ConfiguredAirbyteStream,
} from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';
import {
  type Cell,
  type Column,
  type ColumnType,
  type IdentifierRules,
  type Row,
  SEQ_COLUMN,
  TableLayout,
  fieldValue,
  fitsAsWritten,
  recordToRow,
  shortenIdentifier,
  toCell,
} from '../schema-columns.js';
import { CommitPolicy, PendingStates } from './checkpoints.js';
import { KeyFingerprints } from './key-fingerprints.js';
import { LineBatch } from './line-batch.js';
import { mayResume, rereadNotice, restartNotice, resumedNotice } from './resume.js';
import { STATE_TABLE, type StateRow, StateTable } from './state-table.js';
import {
  type CloseOutcome,
  type Destination,
  type OpenOptions,
  type OpenResult,
  type RecordLine,
  type StreamResult,
  type WriteMode,
  cursorFieldOf,
  incrementalStates,
  primaryKeyFields,
  stateKey,
  writeModeOf,
} from './types.js';

/**
 * The shared engine of the DuckDB and PostgreSQL destinations. Both keep the same invariant:
 * a final table and the `_airbyte_state` row of its stream only ever change in the same transaction.
 *
 * Records are first buffered in memory and appended in bulk to a session-temporary staging table
 * (never logged, gone after a crash). At a commit, one transaction merges the staged rows that the
 * committed states cover into the final tables and writes those states. A full refresh builds a
 * separate table and swaps it in at the end, in the transaction that also writes its state.
 */

export type SqlParam = string | number | boolean | null;

export type PhysicalKind = ColumnType | 'raw_id' | 'extracted_at' | 'meta' | 'seq';

export interface PhysicalColumn {
  name: string;
  kind: PhysicalKind;
  /** For a data column, its position among the layout's columns: where a Row holds its cell. */
  cell?: number;
  /** For a data column, the record field it holds. */
  field?: string;
}

/** What differs between DuckDB and PostgreSQL. */
export interface SqlDriver {
  readonly rules: IdentifierRules;
  quote(identifier: string): string;
  /** A table of the destination, qualified as needed. */
  table(name: string): string;
  /** A session-temporary table. */
  temp(name: string): string;
  typeName(kind: PhysicalKind): string;
  exec(sql: string, params?: SqlParam[]): Promise<void>;
  query(sql: string, params?: SqlParam[]): Promise<Record<string, unknown>[]>;
  /** Data columns of a table in the destination, or undefined when there is no such table. */
  tableColumns(name: string): Promise<{ name: string; type: ColumnType }[] | undefined>;
  /** A row as one line of what appendRows loads, its fields in the order of `columns`. */
  encodeRow(columns: readonly PhysicalColumn[], row: Row, seq: number): string;
  /**
   * Where the database can read a record from the source's own RECORD line: adds that line to `rows`
   * as one row of what appendRows loads, or returns false where this line or these columns cannot be
   * read so. Only for records that fit as written (fitsAsWritten), from a source whose lines
   * JSON.stringify wrote.
   */
  addRecordLine?(rows: LineBatch, columns: readonly PhysicalColumn[], line: RecordLine, seq: number): boolean;
  /**
   * Bulk-appends encoded rows to `table` (as table() or temp() name it); `columns` are those the rows
   * were encoded for. With `withSeq` false the seq column is left out (a final table has none).
   */
  appendRows(table: string, columns: readonly PhysicalColumn[], rows: LineBatch, withSeq: boolean): Promise<void>;
  /** Whether appendRows can leave the seq column out, so that rows can be loaded into a final table. */
  readonly loadsFinalTables: boolean;
  /** SQL that makes lookups on the key cheap, where the database needs it. */
  keyIndexSql?(table: string, columns: readonly string[]): string | undefined;
  /** SQL that gives the planner statistics of a fresh temporary table, where the database needs them. */
  analyzeSql?(tempTable: string): string | undefined;
  /** How long a statement waits for a lock before it fails (see isLockTimeout). */
  readonly lockTimeoutMs: number;
  /** Whether a statement failed because it waited for a lock longer than lockTimeoutMs. */
  isLockTimeout?(error: unknown): boolean;
  /** The other sessions holding locks on these tables, described for a user. */
  lockHolders?(tables: readonly string[]): Promise<{ table: string; session: string }[]>;
  /** SQL that replaces `finalTable` by `tmpTable`, inside the caller's transaction. */
  swapSql(tmpTable: string, finalTable: string, keyColumns: readonly string[]): string[];
  /** After each commit: lets go of what the database keeps only in case it is read again. */
  afterCommit?(): Promise<void>;
  close(): Promise<void>;
}

const WINNERS_TABLE = '_airbyte_winners';
/** Tries of a statement that waits for a lock another session holds, before the sync fails. */
const LOCK_ATTEMPTS = 4;
/** Rows, and bytes, kept in memory before they are loaded. */
const FLUSH_ROWS = 10_000;
const FLUSH_BYTES = 16 * 1024 * 1024;
/** Rows, and bytes, a direct load holds back while no state covers them, before it gives up (see StreamTarget.direct). */
const UNCOVERED_ROWS = 4 * FLUSH_ROWS;
const UNCOVERED_BYTES = 4 * FLUSH_BYTES;
/** Keys a direct load remembers before it gives up: past that, KeyFingerprints soon takes new keys for seen ones. */
const DIRECT_KEYS = 1_000_000;

interface StreamTarget {
  name: string;
  config: ConfiguredAirbyteStream;
  mode: WriteMode;
  finalTable: string;
  /** Where commits merge into: the final table, or for a full refresh the table that replaces it. */
  targetTable: string;
  stageTable: string;
  layout: TableLayout;
  keyFields: string[];
  cursorField: string | undefined;
  /** Staging table columns in physical order (columns added later go last); replaced, never changed in place. */
  stageColumns: readonly PhysicalColumn[];
  /** Columns added to the layout that the tables do not have yet. */
  newColumns: Column[];
  /**
   * Encoded rows not yet loaded. In a direct load, rows held back may predate a column added since:
   * they lack its field, which the load reads as NULL (fields are named by position).
   */
  buffer: LineBatch;
  /** The buffer's size at which the next flush is due (raised while a direct load holds rows back). */
  flushAtRows: number;
  flushAtBytes: number;
  /**
   * Rows go straight into the target, inside the transaction the next commit ends, instead of through
   * the staging table and a merge. Only while that is exactly what the merge would do: this sync created
   * the target, no key has been seen twice (nor a NULL one), and only rows a pending state covers are
   * loaded. Once off, it stays off for the stream, so that every staged row is newer
   * than every row loaded directly.
   */
  direct: boolean;
  directKeys: KeyFingerprints;
  /** Where a Row holds the primary key's cells (fixed once the layout is built). */
  keyCells: number[];
  /** Rows loaded directly since the last commit. */
  directRows: number;
  /** The highest sequence number a pending state covers. */
  coveredUpTo: number;
  lastStagedSeq: number;
  mergedUpTo: number;
  /** For a full refresh: the newest committed-to-staging state, written when the new table is swapped in. */
  heldState: AirbyteStateMessage | undefined;
  /** Rows the target table holds as of the last commit (see StateRow.tableRows). */
  tableRows: number;
  /** A full refresh whose tmp table holds rows committed with its position: kept for the next sync to resume. */
  unfinishedCommitted: boolean;
  result: StreamResult;
}

/** What open() decided for one stream: where it starts, and the state the source gets for it. */
interface StreamStart {
  /** The table to go on with (a resumed tmp table, an incremental stream's final table), if any. */
  existing: { name: string; type: ColumnType }[] | undefined;
  tableRows: number;
  resumed: boolean;
  state: AirbyteStateMessage | undefined;
}

function airbyteColumns(): PhysicalColumn[] {
  return [
    { name: '_airbyte_raw_id', kind: 'raw_id' },
    { name: '_airbyte_extracted_at', kind: 'extracted_at' },
    { name: '_airbyte_meta', kind: 'meta' },
  ];
}

function toNumber(value: unknown): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'string') return Number(value);
  return 0;
}

export class SqlDestination implements Destination {
  readonly label: string;
  private readonly connectDriver: () => Promise<SqlDriver>;
  private driver: SqlDriver | undefined;
  private readonly streams = new Map<string, StreamTarget>();
  private readonly pending = new PendingStates<number>();
  private readonly policy: CommitPolicy;
  private onStateCommitted: ((state: AirbyteStateMessage) => void) | undefined;
  /** How this sync was asked for (OpenOptions.request); unfinished full refreshes are saved only with one. */
  private request: string | undefined;
  private stateTable: StateTable | undefined;
  private seq = 0;
  /** The load into a table still running, if any: it runs while the next rows are buffered. */
  private staging: Promise<void> | undefined;
  /** A direct load began the transaction that the next commit ends. */
  private inTransaction = false;

  constructor(label: string, connectDriver: () => Promise<SqlDriver>, policy?: CommitPolicy) {
    this.label = label;
    this.connectDriver = connectDriver;
    this.policy = policy ?? new CommitPolicy();
  }

  private get db(): SqlDriver {
    if (!this.driver) throw new Error('destination is not connected');
    return this.driver;
  }

  private get states(): StateTable {
    if (!this.stateTable) throw new Error('destination is not connected');
    return this.stateTable;
  }

  async connect(): Promise<void> {
    this.driver = await this.connectDriver();
    this.stateTable = new StateTable(this.driver, this.label);
    await this.guard('could not create the state table', () => this.retryOnLock([STATE_TABLE], () => this.states.create()));
  }

  async open(catalog: ConfiguredAirbyteCatalog, options?: OpenOptions): Promise<OpenResult> {
    this.onStateCommitted = options?.onStateCommitted;
    this.request = options?.request;
    const d = this.db;
    const rows = await this.guard('could not read the stored state', () => this.states.read());
    const stored = new Map(rows.filter((r) => r.kind === 'state').map((r) => [r.key, r]));
    const unfinished = new Map(rows.filter((r) => r.kind === 'full_refresh_in_progress').map((r) => [r.key, r]));
    const passed: AirbyteStateMessage[] = [];
    const notices: string[] = [];
    for (const config of catalog.streams) {
      const name = config.stream.name;
      const finalTable = shortenIdentifier(name, d.rules.maxBytes);
      const mode = writeModeOf(config);
      const keyFields = mode === 'append' ? [] : primaryKeyFields(config);
      const tmpTable = shortenIdentifier(`_airbyte_tmp_${name}`, d.rules.maxBytes);
      const stageTable = shortenIdentifier(`_airbyte_stage_${name}`, d.rules.maxBytes);

      const start = await this.guard(`could not prepare the table for stream ${name}`, () =>
        this.retryOnLock([finalTable, tmpTable, STATE_TABLE], () => mode === 'overwrite'
          ? this.startFullRefresh(config, tmpTable, unfinished.get(name), notices)
          : this.startIncremental(config, finalTable, keyFields.length > 0, stored.get(name), unfinished.get(name), notices)),
      );
      if (start.state) passed.push(start.state);
      const existing = start.existing;
      const layout = new TableLayout(d.rules, existing ?? [], config.stream.json_schema);
      for (const field of [...keyFields, ...(cursorFieldOf(config) ? [cursorFieldOf(config)!] : [])]) {
        if (!layout.column(field)) layout.add(field, 'string');
      }
      const cursorField = mode === 'append' ? undefined : cursorFieldOf(config);
      const target: StreamTarget = {
        name,
        config,
        mode,
        finalTable,
        targetTable: mode === 'overwrite' ? tmpTable : finalTable,
        stageTable,
        layout,
        keyFields,
        cursorField,
        stageColumns: [
          ...airbyteColumns(),
          ...layout.columns.map((c, cell) => ({ name: c.name, kind: c.type, cell, field: c.field })),
          { name: SEQ_COLUMN, kind: 'seq' },
        ],
        newColumns: [],
        buffer: new LineBatch(),
        flushAtRows: FLUSH_ROWS,
        flushAtBytes: FLUSH_BYTES,
        direct: false,
        directKeys: new KeyFingerprints(),
        keyCells: keyFields.map((f) => layout.columns.indexOf(layout.column(f)!)),
        directRows: 0,
        coveredUpTo: 0,
        lastStagedSeq: 0,
        mergedUpTo: 0,
        heldState: undefined,
        tableRows: start.tableRows,
        unfinishedCommitted: start.resumed,
        result: { stream: name, recordsCommitted: 0, inserted: 0, updated: 0, unchanged: 0 },
      };
      await this.guard(`could not prepare the table for stream ${name}`, () => this.retryOnLock([target.targetTable], async () => {
        const dataColumns = target.stageColumns.filter((c) => c.kind !== 'seq');
        const defs = (cols: readonly PhysicalColumn[]) => cols.map((c) => `${d.quote(c.name)} ${d.typeName(c.kind)}`).join(', ');
        if (existing === undefined) {
          await d.exec(`CREATE TABLE IF NOT EXISTS ${d.table(target.targetTable)} (${defs(dataColumns)})`);
        } else {
          const have = new Set(existing.map((c) => c.name));
          for (const column of layout.columns) {
            if (!have.has(column.name)) {
              await d.exec(
                `ALTER TABLE ${d.table(target.targetTable)} ADD COLUMN IF NOT EXISTS ${d.quote(column.name)} ${d.typeName(column.type)}`,
              );
            }
          }
        }
        const keyColumns = keyFields.map((f) => layout.column(f)!.name);
        const indexSql = keyColumns.length > 0 ? d.keyIndexSql?.(target.targetTable, keyColumns) : undefined;
        if (indexSql) await d.exec(indexSql);
        await d.exec(`DROP TABLE IF EXISTS ${d.temp(stageTable)}`);
        await d.exec(`CREATE TEMP TABLE ${d.temp(stageTable)} (${defs(target.stageColumns)})`);
        // Only into a table made here: its key columns have our types, so keys equal in JavaScript
        // are exactly those equal in the table (a user's FLOAT or NOCASE key column could merge more).
        target.direct = d.loadsFinalTables && existing === undefined;
      }));
      this.streams.set(name, target);
    }
    const global = incrementalStates([...stored.values()].filter((r) => r.key.startsWith('__')).map((r) => r.state), catalog);
    return { states: [...global, ...passed], notices };
  }

  /**
   * A full refresh goes on in its tmp table where the last sync left one unfinished, this sync may
   * resume it (see mayResume) and the table holds exactly the rows committed with its position;
   * otherwise it starts over in an empty one.
   */
  private async startFullRefresh(
    config: ConfiguredAirbyteStream,
    tmpTable: string,
    saved: StateRow | undefined,
    notices: string[],
  ): Promise<StreamStart> {
    const d = this.db;
    const name = config.stream.name;
    if (saved && mayResume(config, saved, this.request)) {
      const columns = await d.tableColumns(tmpTable);
      const rows = columns ? await this.countRows(tmpTable) : undefined;
      if (columns && rows === saved.tableRows) {
        notices.push(resumedNotice(name, rows));
        return { existing: columns, tableRows: rows, resumed: true, state: saved.state };
      }
      notices.push(
        restartNotice(
          name,
          rows === undefined ? `its table ${tmpTable} is gone` : `${tmpTable} holds ${rows} rows, not the ${saved.tableRows ?? 'unknown number'} committed with its position`,
        ),
      );
    }
    await d.exec(`DROP TABLE IF EXISTS ${d.table(tmpTable)}`);
    if (saved) await this.states.remove(name, 'full_refresh_in_progress');
    return { existing: undefined, tableRows: 0, resumed: false, state: undefined };
  }

  /**
   * An incremental stream goes on from its stored state, unless its table is gone or holds fewer rows
   * than when that state was committed: then the state is dropped and the stream read from the start
   * (a table without a key is emptied first, or the records still in it would be there twice).
   */
  private async startIncremental(
    config: ConfiguredAirbyteStream,
    finalTable: string,
    keyed: boolean,
    saved: StateRow | undefined,
    unfinished: StateRow | undefined,
    notices: string[],
  ): Promise<StreamStart> {
    const d = this.db;
    const name = config.stream.name;
    if (unfinished) {
      // A full refresh left unfinished by another kind of sync: this one writes the final table itself.
      await d.exec(`DROP TABLE IF EXISTS ${d.table(shortenIdentifier(`_airbyte_tmp_${name}`, d.rules.maxBytes))}`);
      await this.states.remove(name, 'full_refresh_in_progress');
    }
    const existing = await d.tableColumns(finalTable);
    const rows = existing ? await this.countRows(finalTable) : 0;
    if (!saved || config.sync_mode !== 'incremental') return { existing, tableRows: rows, resumed: false, state: undefined };
    const lost = !existing
      ? `its table ${finalTable} is gone`
      : saved.tableRows !== null && rows < saved.tableRows
        ? `its table ${finalTable} holds ${rows} rows, fewer than the ${saved.tableRows} its state was committed with`
        : undefined;
    if (!lost) return { existing, tableRows: rows, resumed: false, state: saved.state };
    notices.push(rereadNotice(name, lost));
    await d.exec('BEGIN');
    try {
      if (existing && !keyed) await d.exec(`DELETE FROM ${d.table(finalTable)}`);
      await this.states.remove(name, 'state');
      await d.exec('COMMIT');
    } catch (error) {
      await d.exec('ROLLBACK').catch(() => undefined);
      throw error;
    }
    return { existing, tableRows: existing && keyed ? rows : 0, resumed: false, state: undefined };
  }

  private async countRows(table: string): Promise<number> {
    const [row] = await this.db.query(`SELECT count(*) AS n FROM ${this.db.table(table)}`);
    return toNumber(row?.n);
  }

  committed(): StreamResult[] {
    return [...this.streams.values()].map((t) => ({ ...t.result }));
  }

  write(record: AirbyteRecordMessage, line?: RecordLine): Promise<void> | void {
    const target = this.streams.get(record.stream);
    if (!target) return; // not in the configured catalog: the protocol says to ignore it
    const added = target.layout.addUnknownFields(record.data as Record<string, unknown>);
    if (added.length > 0) {
      // Rows are encoded for the staging table's columns: the new ones must exist first.
      target.newColumns.push(...added);
      return this.flush(target).then(() => this.stage(target, record, line));
    }
    return this.stage(target, record, line);
  }

  /**
   * Encodes the record for the next load: as the line the source wrote where the database can read
   * it as it is (no conversion here, the bulk of a record's cost), else as the row recordToRow makes.
   */
  private stage(target: StreamTarget, record: AirbyteRecordMessage, line: RecordLine | undefined): Promise<void> | void {
    const d = this.db;
    const seq = ++this.seq;
    const asWritten =
      line !== undefined &&
      d.addRecordLine !== undefined &&
      fitsAsWritten(record, target.layout) &&
      d.addRecordLine(target.buffer, target.stageColumns, line, seq);
    if (asWritten) {
      if (target.direct && target.keyFields.length > 0) {
        const data = record.data as Record<string, unknown>;
        const columns = target.layout.columns;
        this.rememberKey(target, (cell) => toCell(fieldValue(data, columns[cell]!), columns[cell]!.type) ?? null);
      }
    } else {
      const row = recordToRow(record, target.layout, randomUUID());
      if (target.direct && target.keyFields.length > 0) this.rememberKey(target, (cell) => row.cells[cell] ?? null);
      target.buffer.add(d.encodeRow(target.stageColumns, row, seq), seq);
    }
    this.policy.recordWritten();
    if (target.buffer.rows >= target.flushAtRows || target.buffer.byteLength >= target.flushAtBytes) return this.flush(target);
  }

  /**
   * Keeps a direct load only while every key is new (what makes the merge a plain insert). `cellAt`
   * gives the record's cell of a layout column.
   */
  private rememberKey(target: StreamTarget, cellAt: (cell: number) => Cell): void {
    // A column holds one type of cell, so their text tells keys apart (and -0 and 0 are equal to the database too).
    let key: string | undefined;
    // Text as it will be stored: lone surrogates become U+FFFD there, so "a\uD800" and "a\uDC00" are one key.
    const text = (cell: Cell) => (typeof cell === 'string' ? cell.toWellFormed() : String(cell));
    if (target.keyCells.length === 1) {
      const cell = cellAt(target.keyCells[0]!);
      if (cell !== null) key = text(cell);
    } else {
      const cells = target.keyCells.map(cellAt);
      if (!cells.includes(null)) key = JSON.stringify(cells.map((cell) => text(cell!)));
    }
    if (key === undefined || target.directKeys.size >= DIRECT_KEYS || !target.directKeys.add(key)) this.endDirectLoad(target);
  }

  /** From here on the stream's rows go through the staging table (for good: see StreamTarget.direct). */
  private endDirectLoad(target: StreamTarget): void {
    target.direct = false;
    target.directKeys = new KeyFingerprints();
  }

  async state(state: AirbyteStateMessage): Promise<void> {
    this.pending.add(state, this.seq);
    const covered = this.coveredStreams(stateKey(state)).map((name) => this.streams.get(name)!);
    for (const target of covered) target.coveredUpTo = Math.max(target.coveredUpTo, this.seq);
    if (this.policy.due()) {
      await this.commit(new Set());
      return;
    }
    // A source that checkpoints every page sends the page's state just after its last record, whose
    // flush found nothing covered and held the batch back: loaded now, instead of split off from the
    // next batch's rows (a copy of them) and held in a buffer twice the size.
    for (const target of covered) {
      if (target.direct && (target.buffer.rows >= FLUSH_ROWS || target.buffer.byteLength >= FLUSH_BYTES)) await this.flush(target);
    }
  }

  async close(outcome: CloseOutcome): Promise<StreamResult[]> {
    await this.commit(outcome.completedStreams);
    return [...this.streams.values()].map((t) => ({ ...t.result }));
  }

  async dispose(): Promise<void> {
    const d = this.driver;
    if (!d) return;
    await this.settleStaging().catch(() => undefined);
    if (this.inTransaction) await d.exec('ROLLBACK').catch(() => undefined);
    this.driver = undefined;
    try {
      for (const t of this.streams.values()) {
        // A tmp table that holds rows committed with a position stays, for the next sync to resume.
        if (t.mode === 'overwrite' && t.targetTable !== t.finalTable && !t.unfinishedCommitted) {
          await d.exec(`DROP TABLE IF EXISTS ${d.table(t.targetTable)}`).catch(() => undefined);
        }
      }
    } finally {
      await d.close().catch(() => undefined);
    }
  }

  /**
   * Adds new columns to the tables, then starts loading the buffered rows: straight into the target
   * (those a pending state covers) while the stream is loaded directly, else into the staging table.
   * The load is not awaited here: the next flush, or the commit, waits for it first (so one runs at a
   * time and statements never overlap), and a failure surfaces there.
   */
  private async flush(target: StreamTarget): Promise<void> {
    const d = this.db;
    await this.settleStaging();
    const encodedFor = target.stageColumns;
    if (target.newColumns.length > 0) {
      const columns = target.newColumns.splice(0);
      await this.guard(`could not add a column to ${target.finalTable}`, () => this.retryOnLock([target.targetTable], async () => {
        for (const column of columns) {
          if (target.stageColumns.some((c) => c.name === column.name)) continue; // added by an earlier try
          // Outside the commit transaction, or inside a direct load's: a new empty column is harmless if the commit never happens.
          await d.exec(
            `ALTER TABLE ${d.table(target.targetTable)} ADD COLUMN IF NOT EXISTS ${d.quote(column.name)} ${d.typeName(column.type)}`,
          );
          await d.exec(`ALTER TABLE ${d.temp(target.stageTable)} ADD COLUMN ${d.quote(column.name)} ${d.typeName(column.type)}`);
          const cell = target.layout.columns.indexOf(column);
          target.stageColumns = [...target.stageColumns, { name: column.name, kind: column.type, cell, field: column.field }];
        }
      }));
    }
    if (target.buffer.rows === 0) return;
    if (target.direct) {
      const covered = target.buffer.rowsUpTo(target.coveredUpTo);
      if (covered > 0) {
        const rows = covered === target.buffer.rows ? target.buffer : target.buffer.takeFirst(covered);
        if (rows === target.buffer) target.buffer = new LineBatch();
        target.flushAtRows = FLUSH_ROWS;
        target.flushAtBytes = FLUSH_BYTES;
        if (!this.inTransaction) {
          await this.guard('could not begin a transaction', () => d.exec('BEGIN'));
          this.inTransaction = true;
        }
        target.directRows += rows.rows;
        this.load(target, rows, () => d.appendRows(d.table(target.targetTable), encodedFor, rows, false));
      }
      // Rows no state covers yet wait for one (the next flush is due a batch later); too many of
      // them and the stream goes the staged way.
      if (target.buffer.rows < UNCOVERED_ROWS && target.buffer.byteLength < UNCOVERED_BYTES) {
        target.flushAtRows = target.buffer.rows + FLUSH_ROWS;
        target.flushAtBytes = target.buffer.byteLength + FLUSH_BYTES;
        return;
      }
      this.endDirectLoad(target);
      if (covered > 0) await this.settleStaging();
    }
    const rows = target.buffer;
    target.buffer = new LineBatch();
    target.flushAtRows = FLUSH_ROWS;
    target.flushAtBytes = FLUSH_BYTES;
    this.load(target, rows, () => d.appendRows(d.temp(target.stageTable), encodedFor, rows, true));
    target.lastStagedSeq = rows.lastSeq;
  }

  private load(target: StreamTarget, rows: LineBatch, append: () => Promise<void>): void {
    const running = this.guard(`could not stage records of stream ${target.name}`, () => append().finally(() => rows.release()));
    running.catch(() => undefined); // awaited (and thrown) by settleStaging
    this.staging = running;
  }

  private async settleStaging(): Promise<void> {
    const running = this.staging;
    this.staging = undefined;
    if (running) await running;
  }

  /**
   * Commits every pending state with the records it covers, in one transaction. Streams in `complete`
   * also get their records after their last state, and a full refresh of them is swapped in.
   */
  private async commit(complete: ReadonlySet<string>): Promise<void> {
    const d = this.db;
    const states = this.pending.take();
    const bounds = new Map<string, number>();
    for (const entry of states) {
      for (const name of this.coveredStreams(entry.key)) bounds.set(name, Math.max(bounds.get(name) ?? 0, entry.bound));
    }
    for (const name of complete) if (this.streams.has(name)) bounds.set(name, this.seq);
    const swaps = [...complete].map((n) => this.streams.get(n)).filter((t): t is StreamTarget => t?.mode === 'overwrite');
    if (bounds.size === 0 && states.length === 0 && swaps.length === 0) return;

    for (const [name, bound] of bounds) {
      const target = this.streams.get(name)!;
      target.coveredUpTo = Math.max(target.coveredUpTo, bound);
      await this.flush(target);
    }
    await this.settleStaging();

    const results = new Map<string, StreamResult>();
    const rowsAfter = new Map<string, number>();
    const unfinished: StreamTarget[] = [];
    const echo: AirbyteStateMessage[] = [];
    const work = async () => {
      results.clear();
      rowsAfter.clear();
      unfinished.length = 0;
      echo.length = 0;
      for (const [name, bound] of bounds) {
        const target = this.streams.get(name)!;
        results.set(name, await this.merge(target, bound));
      }
      for (const [name, result] of results) {
        const target = this.streams.get(name)!;
        rowsAfter.set(name, target.tableRows + (result.inserted ?? 0) + target.directRows);
      }
      const rowsOf = (target: StreamTarget) => rowsAfter.get(target.name) ?? target.tableRows;
      for (const entry of states) {
        const target = this.streams.get(entry.key);
        if (target?.mode === 'overwrite') {
          // Its state replaces the stream's only with the new table; until then it is where to resume.
          target.heldState = entry.message;
          if (this.request !== undefined && !swaps.includes(target)) {
            await this.states.write({ key: entry.key, kind: 'full_refresh_in_progress', state: entry.message, tableRows: rowsOf(target), request: this.request });
            unfinished.push(target);
          }
        } else {
          await this.states.write({ key: entry.key, kind: 'state', state: entry.message, tableRows: target ? rowsOf(target) : null, request: null });
          echo.push(entry.message);
        }
      }
      for (const target of swaps) {
        for (const sql of d.swapSql(target.targetTable, target.finalTable, this.keyColumns(target))) await d.exec(sql);
        if (target.heldState) {
          await this.states.write({ key: target.name, kind: 'state', state: target.heldState, tableRows: rowsOf(target), request: null });
          echo.push(target.heldState);
        } else {
          await this.states.remove(target.name, 'state');
        }
        await this.states.remove(target.name, 'full_refresh_in_progress');
      }
    };
    const tables = [...new Set([...bounds.keys(), ...swaps.map((t) => t.name)])].flatMap((name) => {
      const target = this.streams.get(name)!;
      return [target.finalTable, target.targetTable];
    });
    await this.guard('could not commit to the destination', () =>
      // Rows a direct load put in this transaction are nowhere else: such a transaction is not tried again.
      this.inTransaction ? this.transaction(work) : this.retryOnLock([...tables, STATE_TABLE], () => this.transaction(work)),
    );
    for (const [name, rows] of rowsAfter) this.streams.get(name)!.tableRows = rows;
    for (const target of unfinished) target.unfinishedCommitted = true;
    for (const [name, r] of results) {
      const target = this.streams.get(name)!;
      const total = target.result;
      total.recordsCommitted += r.recordsCommitted + target.directRows;
      total.inserted! += (r.inserted ?? 0) + target.directRows;
      target.directRows = 0;
      total.updated! += r.updated ?? 0;
      total.unchanged! += r.unchanged ?? 0;
      target.mergedUpTo = bounds.get(name)!;
    }
    for (const target of swaps) {
      target.targetTable = target.finalTable;
      target.unfinishedCommitted = false;
    }
    this.policy.committed();
    for (const state of echo) this.onStateCommitted?.(state);
    if (d.afterCommit) await this.guard('could not free memory after a commit', () => d.afterCommit!());
  }

  /** Runs `work` in the transaction (begun already by a direct load, or here), committed at its end. */
  private async transaction(work: () => Promise<void>): Promise<void> {
    const d = this.db;
    if (!this.inTransaction) await d.exec('BEGIN');
    this.inTransaction = true;
    try {
      await work();
      await d.exec('COMMIT');
    } catch (error) {
      await d.exec('ROLLBACK').catch(() => undefined);
      throw error;
    } finally {
      this.inTransaction = false;
    }
  }

  /**
   * Runs `fn` again when it gave up waiting for a lock on one of `tables` (PostgreSQL: another session
   * reads or changes them in an open transaction), with pauses in between that let the sessions queued
   * behind ours go first; after the last try, fails with a sentence naming the table and that session.
   */
  private async retryOnLock<T>(tables: readonly string[], fn: () => Promise<T>): Promise<T> {
    const d = this.db;
    for (let attempt = 1; ; attempt++) {
      try {
        return await fn();
      } catch (error) {
        if (!d.isLockTimeout?.(error)) throw error;
        if (attempt >= LOCK_ATTEMPTS) throw new DestinationError(await this.lockedSentence(tables, attempt), { cause: error });
        await new Promise((resolve) => setTimeout(resolve, d.lockTimeoutMs * attempt));
      }
    }
  }

  private async lockedSentence(tables: readonly string[], attempts: number): Promise<string> {
    const d = this.db;
    const holders = (await d.lockHolders?.(tables).catch(() => [])) ?? [];
    const waited = `ada-sync gave up after ${attempts} waits of ${d.lockTimeoutMs / 1000} s for it (${this.label}); end that session's transaction and run the sync again`;
    const holder = holders[0];
    if (!holder) return `tables ${tables.join(', ')} were locked by another session; ${waited}`;
    return `table ${holder.table} is locked by another session (${holder.session}); ${waited}`;
  }

  /** The streams a state is about: its own, or every stream for a GLOBAL or LEGACY state. */
  private coveredStreams(key: string): string[] {
    if (this.streams.has(key)) return [key];
    return key.startsWith('__') ? [...this.streams.keys()] : [];
  }

  private keyColumns(target: StreamTarget): string[] {
    return target.keyFields.map((f) => target.layout.column(f)!.name);
  }

  /** Moves staged rows up to `bound` into the target table; runs inside the commit transaction. */
  private async merge(target: StreamTarget, bound: number): Promise<StreamResult> {
    const none: StreamResult = { stream: target.name, recordsCommitted: 0, inserted: 0, updated: 0, unchanged: 0 };
    if (target.lastStagedSeq <= target.mergedUpTo) return none;
    const d = this.db;
    const q = (id: string) => d.quote(id);
    const stage = d.temp(target.stageTable);
    const tgt = d.table(target.targetTable);
    const columns = target.stageColumns.filter((c) => c.kind !== 'seq').map((c) => q(c.name));
    const covered = `${q(SEQ_COLUMN)} <= ${bound}`;
    const keys = this.keyColumns(target);
    const keyMatch = (a: string, b: string) => keys.map((k) => `${a}.${q(k)} = ${b}.${q(k)}`).join(' AND ');
    // With a key, also ask whether a plain insert is enough: every staged key distinct (DISTINCT, like
    // the PARTITION BY below, treats NULL keys as equal) and none already in the target (= never
    // matches NULL, like the merge's joins). That is every batch of a first backfill.
    const [counts = {}] = await d.query(
      keys.length === 0
        ? `SELECT count(*) AS n FROM ${stage} WHERE ${covered}`
        : `SELECT (SELECT count(*) FROM ${stage} WHERE ${covered}) AS n, ` +
            `(SELECT count(*) FROM (SELECT DISTINCT ${keys.map(q).join(', ')} FROM ${stage} WHERE ${covered}) k) AS distinct_keys, ` +
            `(SELECT count(*) FROM (SELECT 1 FROM ${stage} s JOIN ${tgt} t ON ${keyMatch('s', 't')} WHERE s.${covered} LIMIT 1) o) AS overlap`,
    );
    const count = toNumber(counts.n);
    if (count === 0) return none;

    if (keys.length === 0 || (toNumber(counts.distinct_keys) === count && toNumber(counts.overlap) === 0)) {
      await d.exec(
        `INSERT INTO ${tgt} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${stage} WHERE ${covered} ORDER BY ${q(SEQ_COLUMN)}`,
      );
      await d.exec(`DELETE FROM ${stage} WHERE ${covered}`);
      return { stream: target.name, recordsCommitted: count, inserted: count, updated: 0, unchanged: 0 };
    }

    const winners = d.temp(WINNERS_TABLE);
    const cursor = target.cursorField ? q(target.layout.column(target.cursorField)!.name) : undefined;
    // Newest cursor wins; on equal cursors the record that arrived later wins.
    const order = [...(cursor ? [`${cursor} DESC NULLS LAST`] : []), `${q(SEQ_COLUMN)} DESC`].join(', ');
    await d.exec(`DROP TABLE IF EXISTS ${winners}`);
    await d.exec(
      `CREATE TEMP TABLE ${winners} AS SELECT ${columns.join(', ')} FROM (SELECT *, row_number() OVER (PARTITION BY ${keys.map(q).join(', ')} ORDER BY ${order}) AS _ab_rn FROM ${stage} WHERE ${covered}) x WHERE _ab_rn = 1`,
    );
    const analyze = d.analyzeSql?.(WINNERS_TABLE);
    if (analyze) await d.exec(analyze);
    if (cursor) {
      // A record older than the stored one (e.g. re-read through a lookback window after an update) must not win.
      await d.exec(
        `DELETE FROM ${winners} AS w WHERE EXISTS (SELECT 1 FROM ${tgt} t WHERE ${keyMatch('t', 'w')} AND t.${cursor} IS NOT NULL AND (w.${cursor} IS NULL OR w.${cursor} < t.${cursor}))`,
      );
    }
    const dataColumns = target.stageColumns.filter((c) => !['seq', 'raw_id', 'extracted_at', 'meta'].includes(c.kind));
    const differs = dataColumns.map((c) => `w.${q(c.name)} IS DISTINCT FROM t.${q(c.name)}`).join(' OR ') || 'false';
    const [outcome] = await d.query(
      `SELECT (SELECT count(*) FROM ${winners}) AS winners, count(*) AS matched, count(*) FILTER (WHERE ${differs}) AS changed FROM ${winners} w JOIN ${tgt} t ON ${keyMatch('w', 't')}`,
    );
    await d.exec(`DELETE FROM ${tgt} AS t WHERE EXISTS (SELECT 1 FROM ${winners} w WHERE ${keyMatch('w', 't')})`);
    await d.exec(`INSERT INTO ${tgt} (${columns.join(', ')}) SELECT ${columns.join(', ')} FROM ${winners}`);
    await d.exec(`DELETE FROM ${stage} WHERE ${covered}`);
    await d.exec(`DROP TABLE ${winners}`);
    const winnerCount = toNumber(outcome?.winners);
    const matched = toNumber(outcome?.matched);
    const changed = toNumber(outcome?.changed);
    const inserted = winnerCount - matched;
    return {
      stream: target.name,
      recordsCommitted: count,
      inserted,
      updated: changed,
      unchanged: count - inserted - changed,
    };
  }

  private async guard<T>(context: string, fn: () => Promise<T>): Promise<T> {
    try {
      return await fn();
    } catch (error) {
      if (error instanceof DestinationError) throw error;
      throw new DestinationError(`${context} (${this.label})`, { cause: error });
    }
  }
}
