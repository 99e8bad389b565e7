import { readFileSync } from 'node:fs';

/**
 * A stream's JSON schema, resources/schemas/<stream>.json. The path is relative to the module, which
 * lies two levels below the package in dist/streams and in dist/bundle (scripts/bundle.mjs) alike.
 */
export function loadSchema(stream: string): Record<string, unknown> {
  return JSON.parse(readFileSync(new URL(`../../resources/schemas/${stream}.json`, import.meta.url), 'utf8')) as Record<string, unknown>;
}
