import type { ScanEvent, ScanStream } from './stream';

/** A scanner for `npm start` and the tests: `scan(code)` goes into the same stream as real ones. */
export class VirtualScanner {
  constructor(
    private readonly stream: ScanStream,
    readonly deviceId = 'virtual',
  ) {
    stream.status(deviceId, 'virtual', 'connected', 'scannerConnected', { name: deviceId });
  }

  scan(code: string, symbology?: string): ScanEvent | undefined {
    return this.stream.emitScan({ code, symbology, source: 'virtual', deviceId: this.deviceId });
  }
}
