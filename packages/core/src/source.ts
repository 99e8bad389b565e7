import type { AirbyteStream, ConnectorSpecification, SyncMode } from './generated/protocol.js';
import { type MessageWriter } from './output.js';

export interface StreamReadContext {
  syncMode: SyncMode;
  /** The stream's state from --state (its stream_state), or undefined. */
  state: unknown;
  /** Where the state came from, to name it in errors. */
  stateSource: string;
  out: MessageWriter;
}

export interface StreamDefinition {
  name: string;
  jsonSchema: Record<string, unknown>;
  /** Composite keys are lists of several one-field paths. */
  primaryKey: string[][];
  syncModes: [SyncMode, ...SyncMode[]];
  /** The field incremental reads follow; absent for full-refresh-only streams. */
  cursorField?: string;
  /**
   * Throws a ConfigError if the stream's incoming state cannot be used in this sync mode: checked
   * for every stream before any of them reads, so that a bad state fails before the first record.
   */
  checkState(state: unknown, syncMode: SyncMode, stateSource: string): void;
  read(ctx: StreamReadContext): Promise<void>;
}

/** What a connector provides; the entrypoint (cli.ts) does the rest of the protocol. */
export interface SourceDefinition<Config> {
  spec(): ConnectorSpecification;
  /** Validates the raw config; throws ConfigError naming the field and the rule. Registers secrets. */
  parseConfig(raw: unknown, source: string, out: MessageWriter): Config;
  /** Resolves when an authenticated request succeeded; throws a ConnectorError saying what to fix. */
  check(config: Config, out: MessageWriter): Promise<void>;
  streams(config: Config, out: MessageWriter): StreamDefinition[];
}

export function airbyteStream(def: StreamDefinition): AirbyteStream {
  return {
    name: def.name,
    json_schema: def.jsonSchema,
    supported_sync_modes: def.syncModes,
    source_defined_cursor: def.cursorField !== undefined,
    ...(def.cursorField !== undefined ? { default_cursor_field: [def.cursorField] } : {}),
    source_defined_primary_key: def.primaryKey,
    // Every stream checkpoints as it reads, full refreshes included.
    is_resumable: true,
  };
}
