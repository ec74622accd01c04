import { SerialPort } from 'serialport';

export type PortLister = () => Promise<{ path: string }[]>;

/**
 * Why the serial ports cannot be listed, in words someone setting up the kiosk can act on. On
 * Linux `SerialPort.list()` runs `udevadm`; where udev is not installed (containers, minimal
 * images) it rejects with `spawn udevadm ENOENT`.
 */
export function serialListFailureInWords(error: unknown): string {
  const text = error instanceof Error ? error.message : String(error);
  if (/udevadm/.test(text) && /ENOENT/.test(text)) {
    return `udev is not installed on this machine (${text}), so serial ports cannot be listed — install it (Debian: apt-get install udev), or configure the port paths`;
  }
  return text;
}

/**
 * Serial ports to offer for printers and scanners: the configured paths first, then what
 * `SerialPort.list()` finds. Where listing fails (no udev: `spawn udevadm ENOENT`) the configured
 * paths still come back, with the raw error and the reason in words, so the caller can warn staff;
 * socat pairs and other ptys never appear in the list and are only ever configured by path.
 */
export async function discoverSerialPorts(
  configured: readonly string[],
  list: PortLister = () => SerialPort.list(),
): Promise<{ paths: string[]; listed: true } | { paths: string[]; listed: false; error: string; reason: string }> {
  try {
    const found = (await list()).map((port) => port.path);
    return { paths: [...new Set([...configured, ...found])], listed: true };
  } catch (error) {
    return { paths: [...configured], listed: false, error: error instanceof Error ? error.message : String(error), reason: serialListFailureInWords(error) };
  }
}

const told = new Set<string>();
/**
 * True the first time this process meets a listing failure with this reason: a missing udev stays
 * missing until someone installs it, so it is said once, not on every look at the ports.
 */
export function firstTimeFailing(reason: string): boolean {
  if (told.has(reason)) return false;
  told.add(reason);
  return true;
}
