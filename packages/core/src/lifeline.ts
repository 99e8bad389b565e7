import { readFileSync } from 'node:fs';
import { type MessageWriter } from './output.js';
import { describeRequestsInFlight } from './http/in-flight.js';

const CHECK_EVERY_MS = 500;
/** Silence longer than this gets a line: a closed stdout is only noticed by writing to it. */
const QUIET_MS = 1500;

/**
 * Keeps a connector from outliving whoever reads it. A parent that dies (even by SIGKILL) leaves
 * the process to a new parent, which shows as a changed ppid; a reader that closes stdout shows
 * only when the next line fails to go out, so a connector waiting on a slow or dead API writes a
 * progress line after a short silence. Either way the process stops within about 2 s, instead of
 * retrying for minutes and spending the account's rate budget for nobody.
 */
export function holdLifeline(out: MessageWriter, onGone: () => void): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    if (process.ppid !== parent) return onGone();
    if (out.idleMs() < QUIET_MS) return;
    out.info(`progress ${JSON.stringify({ waiting: describeRequestsInFlight() ?? 'on rate limits' })}`);
    void out.flush().catch(onGone);
  }, CHECK_EVERY_MS);
  timer.unref();
  return () => clearInterval(timer);
}

export interface ParentWatch {
  /** Whether the caller is gone now (for a program that must not act on the word of a caller that died). */
  gone(): boolean;
  stop(): void;
}

/**
 * Calls `onGone` when the process that started this one is gone (even by SIGKILL): the process is
 * then left to a new parent, which shows as a changed ppid. For programs that only read stdin (a
 * destination) and so never write into a closed pipe to notice. `caller`, when known, is watched
 * too: a caller that started us through a shell (which lives on) or that died before this call
 * (when the ppid had already changed) shows only as a process that has ended.
 */
export function watchParent(onGone: () => void, caller?: number): ParentWatch {
  const parent = process.ppid;
  const gone = () => process.ppid !== parent || (caller !== undefined && !isAlive(caller));
  const timer = setInterval(() => {
    if (gone()) onGone();
  }, CHECK_EVERY_MS);
  timer.unref();
  return { gone, stop: () => clearInterval(timer) };
}

/** Whether a process is running: one that ended but was not yet reaped by its parent (a zombie) is not. */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
  let stat: string;
  try {
    stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return true; // no /proc (not Linux): kill() is all there is to go by
  }
  // "pid (name) state ...": the name may hold spaces and parentheses, the state follows the last one.
  return stat[stat.lastIndexOf(')') + 2] !== 'Z';
}
