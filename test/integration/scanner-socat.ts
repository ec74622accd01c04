// Helpers for the serial scanner suites and the bench: a socat pseudo-terminal pair in its own dir.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export class SocatPair {
  readonly dir: string;
  readonly a: string;
  readonly b: string;
  private child: ChildProcess | undefined;
  private fd: number | undefined;

  constructor(dir = mkdtempSync(join(tmpdir(), 'scanner-socat-'))) {
    this.dir = dir;
    this.a = join(dir, 'a');
    this.b = join(dir, 'b');
  }

  /** Starts socat and waits until both links exist. */
  async up(): Promise<this> {
    const child = spawn('socat', [`pty,raw,echo=0,link=${this.a}`, `pty,raw,echo=0,link=${this.b}`], { stdio: 'ignore' });
    this.child = child;
    for (let i = 0; i < 500 && !(existsSync(this.a) && existsSync(this.b)); i++) await sleep(10);
    if (!existsSync(this.b)) throw new Error('socat did not create its pty links');
    return this;
  }

  /** Kills this socat (by its own pid) and waits until it is gone and its links removed. */
  async down(): Promise<void> {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
    const child = this.child;
    this.child = undefined;
    if (child && child.exitCode === null) {
      const exited = new Promise((resolve) => child.once('exit', resolve));
      child.kill('SIGTERM');
      await exited;
    }
  }

  /** Writes bytes as the scanner would, into end `a`. */
  send(bytes: Uint8Array | string): void {
    this.fd ??= openSync(this.a, 'w');
    writeSync(this.fd, typeof bytes === 'string' ? Buffer.from(bytes, 'utf8') : bytes);
  }

  async dispose(): Promise<void> {
    await this.down();
    rmSync(this.dir, { recursive: true, force: true });
  }
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

export async function until(check: () => boolean, timeoutMs = 10_000): Promise<void> {
  const start = Date.now();
  while (!check()) {
    if (Date.now() - start > timeoutMs) throw new Error('timed out waiting');
    await sleep(5);
  }
}
