import { spawn, type ChildProcess } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The hub `npm start` runs beside the kiosk so the product can be tried on one machine. It is the
 * same hub as `npm run hub`, in its own process (main/ never imports cloud/), listening on all
 * interfaces so a phone on the shop's Wi-Fi can claim.
 */
export interface LocalHub {
  url: string;
  port: number;
  pairingCode(): Promise<string>;
  stop(): Promise<void>;
}

const HUB_ENTRY = join(dirname(fileURLToPath(import.meta.url)), '..', '..', 'cloud', 'start.ts');

export async function startLocalHub(options: { port: number; dataDir: string; ownerToken: string; log: (line: string) => void }): Promise<LocalHub> {
  const child: ChildProcess = spawn(process.execPath, ['--import', 'tsx', HUB_ENTRY], {
    env: { ...process.env, HUB_PORT: String(options.port), HUB_DATA_DIR: options.dataDir, HUB_OWNER_TOKEN: options.ownerToken, HUB_HOST: '0.0.0.0' },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr?.setEncoding('utf8').on('data', (chunk: string) => {
    stderr = (stderr + chunk).slice(-4000);
  });
  const port = await new Promise<number>((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => reject(new Error(`local hub did not start within 30 s: ${stderr}`)), 30_000);
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
      reject(new Error(`local hub exited with code ${String(code)} before it was ready: ${stderr.trim() || 'no message'} (is HUB_PORT ${options.port} taken?)`));
    });
  });
  child.stdout?.removeAllListeners('data');
  child.stdout?.resume();
  const url = `http://127.0.0.1:${port}`;
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
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
