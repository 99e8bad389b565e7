import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { hostname, tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * ada-sync's temporary folders (the catalog and state it hands the source, a command destination's
 * catalog, DuckDB's staging files) are named `ada-sync-<kind>-<host>-<pid>-…`. A sync that is killed
 * cannot remove its own; the next one removes those of this host whose process no longer runs (in
 * /dev/shm they would hold memory until the next reboot). A process is only known to be gone on its own
 * host and PID namespace, so other hosts' folders (containers that share the folder) are left alone.
 */

function hostPart(): string {
  return hostname().replace(/[^A-Za-z0-9.]/g, '_');
}

/** `ada-sync-<kind>-<host>-<pid>-`, the prefix mkdtemp completes. */
export function tempPrefix(kind: string, pid = process.pid): string {
  return `ada-sync-${kind}-${hostPart()}-${pid}-`;
}

function processRuns(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM'; // it runs, as another user
  }
}

/** Removes the folders in `base` of syncs of this host that are gone, whatever their kind. */
export async function removeStaleTempDirs(base: string): Promise<void> {
  const pattern = /^ada-sync-[a-z]+-([A-Za-z0-9._]+)-(\d+)-/;
  const entries = await readdir(base).catch(() => [] as string[]);
  for (const entry of entries) {
    const match = pattern.exec(entry);
    if (!match || match[1] !== hostPart()) continue;
    const pid = Number(match[2]);
    if (!pid || pid === process.pid || processRuns(pid)) continue;
    await rm(join(base, entry), { recursive: true, force: true }).catch(() => undefined);
  }
}

/** A new folder of this kind in the temp directory, after the stale ones there are removed. */
export async function makeTempDir(kind: string, base = tmpdir()): Promise<string> {
  await removeStaleTempDirs(base);
  return mkdtemp(join(base, tempPrefix(kind)));
}
