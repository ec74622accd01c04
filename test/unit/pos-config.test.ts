import { describe, expect, it } from 'vitest';
import { passthroughConfigSchema } from '../../core/pos/passthrough-config';

describe('passthrough configuration', () => {
  it('fills defaults: loopback listener, 300 ms deadline, English notices, built-in patterns', () => {
    const config = passthroughConfigSchema.parse({ till: { kind: 'tcp', port: 9100 } });
    expect(config).toEqual({ till: { kind: 'tcp', port: 9100, host: '127.0.0.1' }, builtInTotals: true, deadlineMs: 300, locale: 'en' });
    expect(passthroughConfigSchema.parse({ till: { kind: 'serial', path: '/dev/ttyUSB1' } }).till).toEqual({
      kind: 'serial',
      path: '/dev/ttyUSB1',
      baudRate: 9600,
    });
  });

  it('refuses bad settings with a message that names the fix', () => {
    const message = (input: unknown) => {
      const result = passthroughConfigSchema.safeParse(input);
      return result.success ? 'accepted' : result.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ');
    };
    expect(message({ till: { kind: 'usb' } })).toMatch(/use \{"kind": "serial", "path": \.\.\.\} or \{"kind": "tcp", "port": \.\.\.\}/);
    expect(message({ till: { kind: 'serial', path: '' } })).toMatch(/the serial port the till prints to/);
    expect(message({ till: { kind: 'tcp', port: 70000 } })).toMatch(/^till\.port/);
    expect(message({ till: { kind: 'tcp', port: 9100 }, patterns: [{ name: 'x', regex: 'SUMA (\\d+)', currency: 'PLN' }] })).toMatch(
      /named group \(\?<amount>/,
    );
    expect(message({ till: { kind: 'tcp', port: 9100 }, patterns: [{ name: 'x', regex: 'SUMA (?<amount>\\d+)', currency: 'USD' }] })).toMatch(
      /unknown currency "USD"/,
    );
    expect(message({ till: { kind: 'tcp', port: 9100 }, deadlineMs: 0 })).toMatch(/^deadlineMs/);
    expect(message({ till: { kind: 'tcp', port: 9100 }, locale: 'fr' })).toMatch(/^locale/);
    expect(message({ till: { kind: 'tcp', port: 9100 }, documentsFile: '' })).toMatch(/^documentsFile: the path of a JSON file/);
    expect(
      message({ till: { kind: 'tcp', port: 9100 }, patterns: [{ name: 'x', regex: '^ZAHLBAR (?<amount>\\d+)$', currency: 'EUR', sample: 'ZAHLBAR 12,90' }] }),
    ).toMatch(/^patterns\.0\.sample: pattern "x" reads no amount from its sample/);
  });
});
