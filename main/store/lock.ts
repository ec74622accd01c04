// The one-writer rule. The store's SQLite connection runs in `locking_mode=EXCLUSIVE` and takes the
// write lock at open, so a second process cannot read or write the file while the first runs. The
// lock is an OS file lock: the kernel drops it when the holder dies, even by SIGKILL, so a crash never
// leaves a stale lock. The pid file next to the database only names the holder in the message.
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { StoreLockedError } from './errors';

export const PID_FILE = 'kiosk.pid';

interface PidInfo {
  pid: number;
  host: string;
  startedAt: string;
}

function readPidInfo(dir: string): PidInfo | undefined {
  try {
    const info = JSON.parse(readFileSync(join(dir, PID_FILE), 'utf8')) as Partial<PidInfo>;
    return typeof info.pid === 'number' && Number.isSafeInteger(info.pid)
      ? { pid: info.pid, host: String(info.host), startedAt: String(info.startedAt) }
      : undefined;
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The error for a store whose lock another process holds, naming that process when it can. */
export function lockedError(dir: string, dbPath: string): StoreLockedError {
  const info = readPidInfo(dir);
  const holder = info && info.host === hostname() && isAlive(info.pid) ? info.pid : undefined;
  const who = holder === undefined ? 'Another process' : `Another kiosk process (pid ${holder})`;
  return new StoreLockedError(`${who} is using ${dbPath}; close it first (only one kiosk may write to a store).`, dbPath, holder);
}

export function writePidFile(dir: string, startedAt: string): void {
  const info: PidInfo = { pid: process.pid, host: hostname(), startedAt };
  writeFileSync(join(dir, PID_FILE), JSON.stringify(info) + '\n');
}

/** Removes the pid file if it is still ours. */
export function removePidFile(dir: string): void {
  if (readPidInfo(dir)?.pid === process.pid) rmSync(join(dir, PID_FILE), { force: true });
}
