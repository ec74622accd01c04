import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The hub `npm start` runs beside the kiosk so the product can be tried on one machine. It is the
 * same hub as `npm run hub`, in its own process (main/ never imports cloud/), listening on all
 * interfaces so a phone on the shop's Wi-Fi can claim. It dies with the kiosk: it watches the
 * stdin pipe we hold and our pid (HUB_PARENT_PID, cloud/parent-watch.ts), so a kiosk killed with
 * SIGKILL does not leave it holding HUB_PORT. Its pid is kept in `local-hub.pid` in its data dir.
 */
export interface LocalHub {
  url: string;
  port: number;
  pairingCode(): Promise<string>;
  stop(): Promise<void>;
}

const HUB_ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cloud', 'start.ts');

export async function startLocalHub(options: { port: number; dataDir: string; ownerToken: string; log: (line: string) => void }): Promise<LocalHub> {
  await stopStaleHub(options.dataDir, options.log);
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HUB_ENTRY], {
    env: {
      ...process.env,
      HUB_PORT: String(options.port),
      HUB_DATA_DIR: options.dataDir,
      HUB_OWNER_TOKEN: options.ownerToken,
      HUB_HOST: '0.0.0.0',
      HUB_PARENT_PID: String(process.pid),
    },
    // stdin is a pipe we never write to: the hub stops when it closes, i.e. when we are gone.
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    // Generous: the first start compiles the hub's TypeScript, which takes a slow shop PC (or a busy one) a while.
    const timer = setTimeout(() => reject(new Error(`local hub did not start within 90 s: ${stderr}`)), 90_000);
    child.stdout?.setEncoding('utf8').on('data', (chunk: string) => {
      buffered += chunk;
      const match = /hub listening on http:\/\/[^:]+:(\d+)/.exec(buffered);
      if (match) {
        clearTimeout(timer);
        resolve(Number(match[1]));
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      const taken = /EADDRINUSE/.test(stderr);
      reject(
        new Error(
          taken
            ? `HUB_PORT ${options.port} is taken by another program (not a hub this kiosk started) — stop that program, or set HUB_PORT to a free port`
            : `local hub exited with code ${String(code)} before it was ready: ${stderr.trim() || 'no message'}`,
        ),
      );
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  const pidFile = join(options.dataDir, PID_FILE);
  if (child.pid !== undefined) {
    mkdirSync(options.dataDir, { recursive: true });
    const record: HubPidRecord = { pid: child.pid, parentPid: process.pid, port };
    writeFileSync(pidFile, `${JSON.stringify(record)}\n`);
  }
  const exited = new Promise<void>((resolve) =>
    child.once('exit', () => {
      rmSync(pidFile, { force: true });
      resolve();
    }),
  );
  return {
    url,
    port,
    async pairingCode() {
      const response = await fetch(`${url}/owner/pairing-code`, { method: 'POST', headers: { authorization: `Bearer ${options.ownerToken}` } });
      if (!response.ok) throw new Error(`local hub refused a pairing code: HTTP ${response.status}`);
      return ((await response.json()) as { code: string }).code;
    },
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5000);
      await exited;
      clearTimeout(timer);
    },
  };
}

const PID_FILE = 'local-hub.pid';
type HubPidRecord = { pid: number; parentPid: number; port: number };

function readPidRecord(file: string): HubPidRecord | undefined {
  try {
    const value = JSON.parse(readFileSync(file, 'utf8')) as Partial<HubPidRecord>;
    const ok = [value.pid, value.parentPid, value.port].every((n) => Number.isInteger(n) && (n as number) >= 0);
    return ok ? (value as HubPidRecord) : undefined;
  } catch {
    return undefined;
  }
}

/** Whether the process runs (a zombie, dead but not yet reaped, does not). */
function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EPERM') return false;
  }
  try {
    // /proc/<pid>/stat: "pid (comm) S ..."; comm may hold spaces and parentheses, the state follows the last ')'.
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2, stat.lastIndexOf(')') + 3) !== 'Z';
  } catch {
    return true; // no /proc here: the signal test is all we have
  }
}

/**
 * Whether `pid` is a hub started for `dataDir` (its command line runs cloud/start.ts and its
 * environment has our HUB_DATA_DIR): true, false, or undefined where /proc cannot tell us.
 */
function isOurHub(pid: number, dataDir: string): boolean | undefined {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
    const environ = readFileSync(`/proc/${pid}/environ`, 'utf8').split('\0');
    return cmdline.includes(HUB_ENTRY) && environ.includes(`HUB_DATA_DIR=${dataDir}`);
  } catch {
    return undefined;
  }
}

/** Polls every 100 ms for up to `ms` (a count of waits: this measures no time, so it needs no clock). */
async function until(check: () => boolean, ms: number): Promise<boolean> {
  for (let waited = 0; waited < ms; waited += 100) {
    if (check()) return true;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  return check();
}

/**
 * A local hub left by an earlier kiosk of this data dir whose kiosk is gone (killed before the
 * hub's parent watch existed, or a hub that hangs): stop it, so that this start can take the port.
 * It is stopped rather than reused: a hub we did not start is not watching us, its output goes
 * nowhere, and its pairing state is the same on disk, so a fresh one loses nothing. The store
 * lock already keeps a second live kiosk off this data dir, so a live parent is not ours to touch.
 */
async function stopStaleHub(dataDir: string, log: (line: string) => void): Promise<void> {
  const file = join(dataDir, PID_FILE);
  const stale = readPidRecord(file);
  if (!stale || !isRunning(stale.pid) || stale.pid === process.pid) {
    rmSync(file, { force: true });
    return;
  }
  if (isRunning(stale.parentPid)) return;
  const ours = isOurHub(stale.pid, dataDir);
  if (ours === false) {
    rmSync(file, { force: true }); // the pid now belongs to another program
    return;
  }
  log(
    `local hub: one started by an earlier kiosk (pid ${stale.pid}, port ${stale.port}) is still running though that kiosk (pid ${stale.parentPid}) is gone — stopping it`,
  );
  if (ours) {
    process.kill(stale.pid, 'SIGTERM');
    process.kill(stale.pid, 'SIGCONT'); // a stopped (SIGSTOP) hub handles SIGTERM only once it runs
    if (!(await until(() => !isRunning(stale.pid), 5000))) {
      log(`local hub: pid ${stale.pid} did not stop within 5 s — killing it`);
      process.kill(stale.pid, 'SIGKILL');
      await until(() => !isRunning(stale.pid), 2000);
    }
  } else {
    // No /proc to prove the pid is still that hub: wait for it to notice its kiosk is gone.
    await until(() => !isRunning(stale.pid), 5000);
  }
  if (isRunning(stale.pid)) log(`local hub: pid ${stale.pid} is still running; if HUB_PORT is taken, stop it by hand`);
  else log(`local hub: the earlier hub (pid ${stale.pid}) has stopped`);
  rmSync(file, { force: true });
}
