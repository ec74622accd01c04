/**
 * A hub that a kiosk started for itself (`npm start`'s local hub) must not outlive that kiosk: a
 * kiosk killed with SIGKILL runs no clean-up, and an orphaned hub would keep HUB_PORT so that the
 * next `npm start` fails. Two signals, because either alone can miss:
 * - the parent holds our stdin open and never writes to it; the kernel closes it when the parent
 *   dies however it dies, so stdin ending is the immediate signal;
 * - a periodic `process.kill(parentPid, 0)` catches a parent that is gone while the pipe is still
 *   held open by some other process that inherited it.
 * `onGone` runs once.
 */
export function watchParent(parentPid: number, onGone: (why: string) => void, options: { everyMs?: number; stdin?: NodeJS.ReadableStream } = {}): () => void {
  let done = false;
  const gone = (why: string): void => {
    if (done) return;
    done = true;
    stop();
    onGone(why);
  };
  const stdin = options.stdin ?? process.stdin;
  const onEnd = (): void => gone(`its standard input from the kiosk (pid ${parentPid}) closed`);
  stdin.on('end', onEnd);
  stdin.on('close', onEnd);
  stdin.on('error', onEnd);
  stdin.resume();
  const timer = setInterval(() => {
    if (!isAlive(parentPid)) gone(`the kiosk that started it (pid ${parentPid}) is gone`);
  }, options.everyMs ?? 1000);
  timer.unref();
  function stop(): void {
    clearInterval(timer);
    stdin.off('end', onEnd);
    stdin.off('close', onEnd);
    stdin.off('error', onEnd);
  }
  return stop;
}

/** Whether a process with this pid exists (EPERM: it exists but belongs to another user). */
export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
