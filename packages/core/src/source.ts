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
  cursorField: string;
  primaryKey: string;
  read(ctx: StreamReadContext): Promise<void>;
}

/** What a connector provides; the entrypoint (cli.ts) does the rest of the protocol. */
export interface SourceDefinition<Config> {
  spec(): ConnectorSpecification;
  /** Validates the raw config; throws ConfigError naming the field and the rule. Registers secrets. */
  parseConfig(raw: unknown, source: string): Config;
  /** Resolves when an authenticated request succeeded; throws a ConnectorError saying what to fix. */
  check(config: Config, out: MessageWriter): Promise<void>;
  streams(config: Config, out: MessageWriter): StreamDefinition[];
}

export function airbyteStream(def: StreamDefinition): AirbyteStream {
  return {
    name: def.name,
    json_schema: def.jsonSchema,
    supported_sync_modes: ['full_refresh', 'incremental'],
    source_defined_cursor: true,
    default_cursor_field: [def.cursorField],
    source_defined_primary_key: [[def.primaryKey]],
    is_resumable: true,
  };
}
