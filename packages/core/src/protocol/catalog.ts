/**
 * The structural rules of a ConfiguredAirbyteCatalog that a source relies on, checked by hand:
 * compiling the protocol schema with ajv costs a few hundred ms on every read. Returns the first
 * problem as a phrase, or undefined. (Tests hold this to the schema through validateConfiguredCatalog.)
 */
const DESTINATION_SYNC_MODES = new Set(['append', 'overwrite', 'append_dedup', 'update', 'soft_delete']);

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);
const isStringList = (v: unknown): boolean => Array.isArray(v) && v.every((s) => typeof s === 'string');
const isKeyList = (v: unknown): boolean => Array.isArray(v) && v.every(isStringList);
const SYNC_MODES = new Set(['full_refresh', 'incremental']);

export function catalogProblem(catalog: unknown): string | undefined {
  if (!isObject(catalog)) return 'it must be a JSON object with "streams"';
  if (!Array.isArray(catalog.streams)) return '"streams" must be a list';
  for (const [i, c] of catalog.streams.entries()) {
    const at = `streams[${i}]`;
    if (!isObject(c)) return `${at} must be an object`;
    const stream = c.stream;
    if (!isObject(stream)) return `${at}.stream must be an object`;
    if (typeof stream.name !== 'string') return `${at}.stream.name must be a string`;
    if (!isObject(stream.json_schema)) return `${at}.stream.json_schema must be an object`;
    if (
      !Array.isArray(stream.supported_sync_modes) ||
      stream.supported_sync_modes.length === 0 ||
      !stream.supported_sync_modes.every((m) => SYNC_MODES.has(m as string))
    ) {
      return `${at}.stream.supported_sync_modes must be a non-empty list of ${[...SYNC_MODES].join(', ')}`;
    }
    for (const flag of ['source_defined_cursor', 'is_resumable', 'is_file_based'] as const) {
      if (stream[flag] !== undefined && typeof stream[flag] !== 'boolean') return `${at}.stream.${flag} must be true or false`;
    }
    if (stream.namespace !== undefined && typeof stream.namespace !== 'string') return `${at}.stream.namespace must be a string`;
    if (stream.default_cursor_field !== undefined && !isStringList(stream.default_cursor_field)) {
      return `${at}.stream.default_cursor_field must be a list of strings`;
    }
    if (stream.source_defined_primary_key !== undefined && !isKeyList(stream.source_defined_primary_key)) {
      return `${at}.stream.source_defined_primary_key must be a list of lists of strings`;
    }
    // An unknown sync_mode gets its own sentence from the caller, which knows the stream.
    if (typeof c.sync_mode !== 'string') return `${at}.sync_mode must be a string`;
    if (typeof c.destination_sync_mode !== 'string' || !DESTINATION_SYNC_MODES.has(c.destination_sync_mode)) {
      return `${at}.destination_sync_mode must be one of ${[...DESTINATION_SYNC_MODES].join(', ')}`;
    }
    if (c.cursor_field !== undefined && !isStringList(c.cursor_field)) return `${at}.cursor_field must be a list of strings`;
    if (c.primary_key !== undefined && !isKeyList(c.primary_key)) return `${at}.primary_key must be a list of lists of strings`;
    for (const id of ['generation_id', 'minimum_generation_id', 'sync_id'] as const) {
      if (c[id] !== undefined && !Number.isInteger(c[id])) return `${at}.${id} must be an integer`;
    }
    if (c.destination_object_name !== undefined && typeof c.destination_object_name !== 'string') {
      return `${at}.destination_object_name must be a string`;
    }
    if (c.include_files !== undefined && typeof c.include_files !== 'boolean') return `${at}.include_files must be true or false`;
  }
  return undefined;
}
