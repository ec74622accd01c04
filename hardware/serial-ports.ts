import { SerialPort } from 'serialport';

export type PortLister = () => Promise<{ path: string }[]>;

/**
 * Serial ports to offer for printers and scanners: the configured paths first, then what
 * `SerialPort.list()` finds. Where listing fails (no udev: `spawn udevadm ENOENT`) the configured
 * paths still come back, with the reason, so the caller can warn staff; socat pairs and other ptys
 * never appear in the list and are only ever configured by path.
 */
export async function discoverSerialPorts(configured: readonly string[], list: PortLister = () => SerialPort.list()):
  Promise<{ paths: string[]; listed: true } | { paths: string[]; listed: false; error: string }> {
  try {
    const found = (await list()).map((port) => port.path);
    return { paths: [...new Set([...configured, ...found])], listed: true };
  } catch (error) {
    return { paths: [...configured], listed: false, error: error instanceof Error ? error.message : String(error) };
  }
}
