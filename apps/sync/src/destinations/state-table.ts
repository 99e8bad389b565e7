import type { AirbyteStateMessage } from '@ada-airbyte/core';
import { DestinationError } from '../errors.js';
import type { SqlDriver } from './sql.js';

/**
 * `_airbyte_state` of the SQL destinations: one row per stream (or GLOBAL/LEGACY key) and kind.
 *
 * - kind `state`: the stream's committed state, what an incremental read resumes from (and a full
 *   refresh's last state once it replaced the table);
 * - kind `full_refresh_in_progress`: where a full refresh that has not finished yet got to, committed
 *   together with the rows of its `_airbyte_tmp_` table; `request` says how that sync was asked for.
 *
 * `table_rows` is how many rows the stream's table (for an in-progress full refresh, its tmp table)
 * held when the row was written: a table found shorter than that lost data since.
 */

export const STATE_TABLE = '_airbyte_state';

export type StateRowKind = 'state' | 'full_refresh_in_progress';

export interface StateRow {
  key: string;
  kind: StateRowKind;
  state: AirbyteStateMessage;
  tableRows: number | null;
  request: string | null;
}

/** Columns added after the first release, with their types; older tables get them on connect. */
const LATER_COLUMNS = [
  ['kind', 'string'],
  ['table_rows', 'integer'],
  ['request', 'string'],
] as const;

export class StateTable {
  constructor(
    private readonly d: SqlDriver,
    private readonly label: string,
  ) {}

  private get name(): string {
    return this.d.table(STATE_TABLE);
  }

  async create(): Promise<void> {
    const d = this.d;
    const type = (kind: 'string' | 'integer' | 'extracted_at') => d.typeName(kind);
    await d.exec(
      `CREATE TABLE IF NOT EXISTS ${this.name} (state_key ${type('string')}, stream_name ${type('string')}, stream_namespace ${type('string')}, ` +
        `state ${type('string')}, updated_at ${type('extracted_at')}, ${LATER_COLUMNS.map(([c, k]) => `${c} ${type(k)}`).join(', ')})`,
    );
    // Only where one is missing: ALTER TABLE waits for every reader of the table in PostgreSQL.
    const have = new Set((await d.tableColumns(STATE_TABLE))?.map((c) => c.name));
    for (const [column, kind] of LATER_COLUMNS) {
      if (!have.has(column)) await d.exec(`ALTER TABLE ${this.name} ADD COLUMN ${column} ${type(kind)}`);
    }
  }

  async read(): Promise<StateRow[]> {
    const rows = await this.d.query(`SELECT state_key, kind, state, table_rows, request FROM ${this.name} ORDER BY state_key`);
    return rows.map((r) => {
      const key = String(r.state_key);
      const kind: StateRowKind = r.kind === 'full_refresh_in_progress' ? 'full_refresh_in_progress' : 'state';
      return {
        key,
        kind,
        state: this.parse(key, kind, r.state),
        tableRows: r.table_rows === null || r.table_rows === undefined ? null : Number(r.table_rows),
        request: typeof r.request === 'string' ? r.request : null,
      };
    });
  }

  /** Replaces the row of this key and kind; inside the caller's transaction. */
  async write(row: StateRow): Promise<void> {
    const descriptor = row.state.stream?.stream_descriptor;
    await this.remove(row.key, row.kind);
    await this.d.exec(
      `INSERT INTO ${this.name} (state_key, stream_name, stream_namespace, state, updated_at, kind, table_rows, request) VALUES ($1, $2, $3, $4, now(), $5, $6, $7)`,
      [row.key, descriptor?.name ?? null, descriptor?.namespace ?? null, JSON.stringify(row.state), row.kind, row.tableRows, row.request],
    );
  }

  async remove(key: string, kind: StateRowKind): Promise<void> {
    // Rows written before the kind column existed are states.
    await this.d.exec(`DELETE FROM ${this.name} WHERE state_key = $1 AND coalesce(kind, 'state') = $2`, [key, kind]);
  }

  private parse(key: string, kind: StateRowKind, text: unknown): AirbyteStateMessage {
    const what = `the ${kind === 'state' ? 'state' : 'unfinished full refresh'} row of ${key.startsWith('__') ? 'the sync' : `stream ${key}`} in ${STATE_TABLE} (${this.label})`;
    let value: unknown;
    try {
      value = JSON.parse(String(text));
    } catch {
      throw new DestinationError(`${what} is not valid JSON; delete that row to read the stream again from the start`);
    }
    if (typeof value !== 'object' || value === null || Array.isArray(value)) {
      throw new DestinationError(`${what} is not a state message; delete that row to read the stream again from the start`);
    }
    return value as AirbyteStateMessage;
  }
}
