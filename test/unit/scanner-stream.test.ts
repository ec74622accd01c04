import { describe, expect, it } from 'vitest';
import { memberCodeFor } from '../../core/codes';
import { ScanStream, type ScanEvent, type ScannerStatusEvent } from '../../hardware/scanner/stream';
import { VirtualScanner } from '../../hardware/scanner/virtual';

function setup() {
  const logs: { level: string; message: string; fields?: Record<string, unknown> }[] = [];
  const stream = new ScanStream({
    logger: {
      info: (message, fields) => logs.push({ level: 'info', message, ...(fields ? { fields } : {}) }),
      warn: (message, fields) => logs.push({ level: 'warn', message, ...(fields ? { fields } : {}) }),
    },
    now: () => 1_700_000_000_000,
  });
  const scans: ScanEvent[] = [];
  const statuses: ScannerStatusEvent[] = [];
  stream.on('scan', (e) => scans.push(e));
  stream.on('scannerStatusChanged', (e) => statuses.push(e));
  return { stream, logs, scans, statuses };
}

describe('scan stream and the virtual scanner', () => {
  it('a virtual scan arrives in the same stream shape as every other scanner', () => {
    const { stream, scans, statuses } = setup();
    const scanner = new VirtualScanner(stream, 'dev-scanner');
    expect(statuses).toMatchObject([
      { deviceId: 'dev-scanner', source: 'virtual', state: 'connected', message: { key: 'scannerConnected' }, text: 'Scanner dev-scanner is ready.' },
    ]);
    scanner.scan(memberCodeFor(5), 'qr');
    scanner.scan('HTTP://HUB:7400/C/ABCDEFGHJK');
    expect(scans).toEqual([
      { code: memberCodeFor(5), symbology: 'qr', source: 'virtual', deviceId: 'dev-scanner', at: 1_700_000_000_000 },
      { code: 'HTTP://HUB:7400/C/ABCDEFGHJK', source: 'virtual', deviceId: 'dev-scanner', at: 1_700_000_000_000 },
    ]);
  });

  it.each([
    ['control bytes', 'AB\u0000\u001bCD', 'controlCharacters'],
    ['a 10 KB line', 'Q'.repeat(10 * 1024), 'tooLong'],
    ['replacement characters from broken UTF-8', 'AB\uFFFDCD', 'invalidText'],
    ['an empty scan', '', 'empty'],
  ])('%s are dropped with a log line and never reach listeners', (_what, code, reason) => {
    const { stream, scans, logs } = setup();
    expect(new VirtualScanner(stream).scan(code)).toBeUndefined();
    expect(scans).toEqual([]);
    const warning = logs.find((l) => l.level === 'warn');
    expect(warning?.message).toContain(`dropped scanner garbage (${reason})`);
    expect([...String(warning?.fields?.sample ?? '')].every((c) => c >= ' ')).toBe(true);
  });

  it('repeats of the same state are not re-sent; changes are', () => {
    const { stream, statuses } = setup();
    stream.status('s1', 'serial', 'disconnected', 'scannerDisconnected', { name: 's1' });
    stream.status('s1', 'serial', 'disconnected', 'scannerDisconnected', { name: 's1' });
    stream.status('s1', 'serial', 'connected', 'scannerConnected', { name: 's1' });
    expect(statuses.map((s) => s.state)).toEqual(['disconnected', 'connected']);
    expect(statuses[0]!.text).toBe('Scanner s1 was disconnected — check the cable; it reconnects by itself.');
  });
});
