import { execFileSync } from 'node:child_process';

/** Whether a process is still running (a zombie, ended but not reaped, is not). */
export { isAlive as isRunning } from '../lifeline.js';

/** The pids of a process's children, from ps (empty when it has none, or is gone). */
export function childPids(pid: number): number[] {
  try {
    return execFileSync('ps', ['-o', 'pid=', '--ppid', String(pid)], { encoding: 'utf8' })
      .split('\n')
      .map((l) => Number(l.trim()))
      .filter((n) => n > 0);
  } catch {
    return [];
  }
}
