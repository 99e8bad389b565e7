import { type FileHandle, open, readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { DestinationError } from '../errors.js';

/**
 * An exclusive lock on a folder, for the JSONL destination: two syncs appending to the same files
 * would interleave their lines. It is the operating system's lock on an open file (fcntl's, through
 * fs-native-extensions, which ships prebuilt binaries), not a file's mere presence: the kernel lets it
 * go when the process ends however it ends, so a lock file left behind by a killed sync, or naming a
 * process id that now belongs to another program, blocks nothing. The file keeps the holder's PID for
 * the message a second sync prints.
 */

interface NativeLocks {
  tryLock(fd: number): boolean;
  unlock(fd: number): void;
}

// Required on first use: a native addon, needed by the JSONL destination only.
let locks: NativeLocks | undefined;
function nativeLocks(): NativeLocks {
  locks ??= createRequire(import.meta.url)('fs-native-extensions') as NativeLocks;
  return locks;
}

export class DirLock {
  private constructor(private readonly handle: FileHandle) {}

  /** Takes the lock at `path` (created if missing), or fails saying which process holds it. */
  static async take(path: string, what: string): Promise<DirLock> {
    const handle = await open(path, 'a+');
    let locked: boolean;
    try {
      locked = nativeLocks().tryLock(handle.fd);
    } catch (error) {
      await handle.close();
      throw error;
    }
    if (!locked) {
      await handle.close();
      const pid = Number((await readFile(path, 'utf8').catch(() => '')).trim());
      throw new DestinationError(`another sync${pid > 0 ? ` (PID ${pid})` : ''} is writing to ${what}; wait for it to finish`);
    }
    await handle.truncate(0);
    await handle.write(`${process.pid}\n`, 0);
    return new DirLock(handle);
  }

  /** Lets the lock go; the file stays (removing it would race with a sync opening it). */
  async release(): Promise<void> {
    try {
      nativeLocks().unlock(this.handle.fd);
    } finally {
      await this.handle.close();
    }
  }
}
