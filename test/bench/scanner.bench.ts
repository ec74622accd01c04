// Scan-to-event latency over a real socat pty pair: from the scanner's bytes written to the
// `scan` event on the stream (split, UTF-8 checked, garbage checked), p50/p95 over a few hundred
// scans. Baseline from the same run: the raw serialport 'data' event for the same bytes.
import { SerialPort } from 'serialport';
import { memberCodeFor } from '../../core/codes';
import { classifyScan } from '../../core/scan';
import { SerialScanner } from '../../hardware/scanner/serial';
import { ScanStream, type ScanEvent } from '../../hardware/scanner/stream';
import { SocatPair, until } from '../integration/scanner-socat';
import { fmt, opsPerSecond, summarize } from './stats';

const SCANS = 100; // per round; 4 rounds of each, interleaved, so both see the same machine load
const quiet = { info: () => {}, warn: () => {} };

async function scannerLatency(pair: SocatPair): Promise<number[]> {
  const stream = new ScanStream({ now: Date.now, logger: quiet });
  const scanner = new SerialScanner(stream, { path: pair.b, terminator: 'CR', baudRate: 9600 });
  await scanner.start();
  let resolveNext: ((e: ScanEvent) => void) | undefined;
  stream.on('scan', (e) => resolveNext?.(e));
  const samples: number[] = [];
  for (let i = 0; i < SCANS + 20; i++) {
    const code = memberCodeFor(i);
    const got = new Promise<ScanEvent>((resolve) => {
      resolveNext = resolve;
    });
    const start = performance.now();
    pair.send(`${code}\r`);
    const event = await got;
    const ms = performance.now() - start;
    if (event.code !== code) throw new Error(`wrong scan ${event.code}`);
    if (i >= 20) samples.push(ms); // the first few warm up the JIT
  }
  await scanner.stop();
  return samples;
}

async function rawLatency(pair: SocatPair): Promise<number[]> {
  const port = new SerialPort({ path: pair.b, baudRate: 9600 });
  await new Promise<void>((resolve, reject) => port.once('open', resolve).once('error', reject));
  let pending = 0;
  let resolveNext: (() => void) | undefined;
  port.on('data', (chunk: Buffer) => {
    pending -= chunk.length;
    if (pending <= 0) resolveNext?.();
  });
  const samples: number[] = [];
  for (let i = 0; i < SCANS + 20; i++) {
    const line = `${memberCodeFor(i)}\r`;
    pending = line.length;
    const got = new Promise<void>((resolve) => {
      resolveNext = resolve;
    });
    const start = performance.now();
    pair.send(line);
    await got;
    if (i >= 20) samples.push(performance.now() - start);
  }
  await new Promise<void>((resolve) => port.close(() => resolve()));
  return samples;
}

async function reconnectTimes(pair: SocatPair, trials: number): Promise<number[]> {
  const stream = new ScanStream({ now: Date.now, logger: quiet });
  const scanner = new SerialScanner(stream, { path: pair.b });
  await scanner.start();
  const times: number[] = [];
  for (let i = 0; i < trials; i++) {
    await pair.down();
    await until(() => !scanner.connected);
    await pair.up();
    const back = performance.now();
    await until(() => scanner.connected);
    times.push(performance.now() - back);
  }
  await scanner.stop();
  return times;
}

export async function run(): Promise<void> {
  const pair = await new SocatPair().up();
  try {
    const rawSamples: number[] = [];
    const ourSamples: number[] = [];
    for (let round = 0; round < 4; round++) {
      rawSamples.push(...(await rawLatency(pair)));
      ourSamples.push(...(await scannerLatency(pair)));
    }
    const raw = summarize(rawSamples);
    const ours = summarize(ourSamples);
    console.log(`serial scan → stream event (socat pty, ${ours.n} scans): p50 ${fmt(ours.p50, 3)} ms, p95 ${fmt(ours.p95, 3)} ms`);
    console.log(`baseline raw serialport 'data' event (${raw.n} scans):   p50 ${fmt(raw.p50, 3)} ms, p95 ${fmt(raw.p95, 3)} ms`);
    console.log(`ratio scanner/raw: p50 ${fmt(ours.p50 / raw.p50)}×, p95 ${fmt(ours.p95 / raw.p95)}×`);
    const back = summarize(await reconnectTimes(pair, 5));
    console.log(`reconnect after the pty pair comes back (default 250 ms poll, ${back.n} trials): p50 ${fmt(back.p50, 0)} ms, max ${fmt(back.p95, 0)} ms`);
    const member = memberCodeFor(123_456);
    const perSecond = opsPerSecond(() => classifyScan(member, { saleOpen: true }), 500);
    console.log(`classifyScan(member code): ${fmt(perSecond / 1000, 0)}k ops/s`);
  } finally {
    await pair.dispose();
  }
}
