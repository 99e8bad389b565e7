import { readFileSync } from 'node:fs';

/**
 * The node flags a script's first line asks for (`#!/usr/bin/env -S node --flag …`). A launcher
 * that runs the script with `process.execPath` (to use the same node) skips the shebang; it passes
 * these instead, so the script runs the same way however it is started.
 */
export function nodeFlagsOf(script: string): string[] {
  let first: string;
  try {
    first = readFileSync(script, 'utf8').split('\n', 1)[0] ?? '';
  } catch {
    return [];
  }
  const m = /^#!\S*env\s+-S\s+node((?:\s+--\S+)*)\s*$/.exec(first);
  return m?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}
