import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { nodeFlagsOf } from '../src/node-flags.js';

describe('nodeFlagsOf', () => {
  const dir = mkdtempSync(join(tmpdir(), 'node-flags-'));
  const script = (first: string) => {
    const path = join(dir, `s${Math.random()}`);
    writeFileSync(path, `${first}\nconsole.log(1);\n`);
    return path;
  };

  it('reads the flags of an `env -S node` shebang', () => {
    expect(nodeFlagsOf(script('#!/usr/bin/env -S node --max-semi-space-size=8 --no-warnings'))).toEqual(['--max-semi-space-size=8', '--no-warnings']);
  });

  it('finds none in a plain shebang, no shebang, or a missing file', () => {
    expect(nodeFlagsOf(script('#!/usr/bin/env node'))).toEqual([]);
    expect(nodeFlagsOf(script('console.log(0);'))).toEqual([]);
    expect(nodeFlagsOf(join(dir, 'missing'))).toEqual([]);
  });
});
