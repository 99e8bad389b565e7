import { ConfigError } from './errors.js';

/**
 * Parses --state in the platform's form (a JSON array of AirbyteStateMessage). An empty file,
 * `[]` and `{}` mean no state. Returns stream name → stream_state.
 */
export function parseStateInput(text: string, source: string): Map<string, unknown> {
  const states = new Map<string, unknown>();
  if (text.trim() === '') return states;
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new ConfigError(`The state file ${source} is not valid JSON; fix it or run without --state to start over.`);
  }
  if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed) && Object.keys(parsed).length === 0) return states;
  // A single state message (some runners pass the last one alone) is accepted as a list of one.
  const list = Array.isArray(parsed) ? parsed : [parsed];
  for (const [i, message] of list.entries()) {
    const where = `${source} (entry ${i + 1})`;
    if (message === null || typeof message !== 'object') {
      throw new ConfigError(`The state file ${where} is not an Airbyte state message; expected {"type": "STREAM", "stream": {...}}.`);
    }
    const m = message as Record<string, unknown>;
    // Accept both a bare AirbyteStateMessage and one wrapped in an AirbyteMessage.
    const state = (m.type === 'STATE' && m.state && typeof m.state === 'object' ? m.state : m) as Record<string, unknown>;
    const stream = state.stream as Record<string, unknown> | undefined;
    const descriptor = stream?.stream_descriptor as Record<string, unknown> | undefined;
    if ((state.type !== undefined && state.type !== 'STREAM') || !descriptor || typeof descriptor.name !== 'string') {
      throw new ConfigError(
        `The state file ${where} is not a per-stream state (type STREAM with stream.stream_descriptor.name); fix it or run without --state.`,
      );
    }
    states.set(descriptor.name, stream!.stream_state);
  }
  return states;
}
