import { open, stat } from 'node:fs/promises';

/** File operations of the JSONL destination that know nothing of streams or states. */

export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

export async function exists(path: string): Promise<boolean> {
  return (await stat(path).catch(() => undefined)) !== undefined;
}

/**
 * Why `path` cannot be cut back to `length` bytes and be whole: it is gone, shorter, or the cut would
 * fall inside a line. Undefined when it can.
 */
export async function cutProblem(path: string, length: number): Promise<string | undefined> {
  const size = (await stat(path).catch(() => undefined))?.size;
  if (size === undefined) return 'is gone';
  if (size < length) return `holds ${size} bytes, fewer than the ${length} committed`;
  if (length === 0) return undefined;
  const handle = await open(path, 'r');
  try {
    const byte = Buffer.alloc(1);
    await handle.read(byte, 0, 1, length - 1);
    return byte[0] === 0x0a ? undefined : `has a committed length of ${length} bytes, which does not end a line`;
  } finally {
    await handle.close();
  }
}

/** Where the last whole line of `path` ends at or before `limit`: 0 when there is none. */
export async function lastLineEnd(path: string, limit: number): Promise<number> {
  const handle = await open(path, 'r');
  try {
    const chunk = Buffer.alloc(64 * 1024);
    for (let end = limit; end > 0; ) {
      const start = Math.max(0, end - chunk.length);
      const { bytesRead } = await handle.read(chunk, 0, end - start, start);
      const at = chunk.subarray(0, bytesRead).lastIndexOf(0x0a);
      if (at !== -1) return start + at + 1;
      end = start;
    }
    return 0;
  } finally {
    await handle.close();
  }
}
