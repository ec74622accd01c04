import { networkInterfaces } from 'node:os';

/**
 * The address a phone on the same Wi-Fi can reach this machine's local hub at (for `npm start`):
 * the first non-internal IPv4 address, or 127.0.0.1 when the machine has no network.
 */
export function lanHubUrl(port: number, interfaces = networkInterfaces()): string {
  for (const list of Object.values(interfaces)) {
    for (const info of list ?? []) {
      if (info.family === 'IPv4' && !info.internal) return `http://${info.address}:${port}`;
    }
  }
  return `http://127.0.0.1:${port}`;
}
