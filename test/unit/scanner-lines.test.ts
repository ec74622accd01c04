import { describe, expect, it } from 'vitest';
import { LineSplitter, type LinePiece } from '../../hardware/scanner/serial';

const text = (pieces: LinePiece[]) => pieces.map((p) => ('line' in p ? Buffer.from(p.line).toString('latin1') : `!${p.garbage}`));
const bytes = (s: string) => Buffer.from(s, 'latin1');

describe('serial line splitter', () => {
  it('finds a CR LF split across two reads', () => {
    const splitter = new LineSplitter('CRLF');
    expect(text(splitter.push(bytes('ABC\r')))).toEqual([]);
    expect(text(splitter.push(bytes('\nDEF\r\n')))).toEqual(['ABC', 'DEF']);
  });

  it('a CR alone is not the end when CR LF is configured', () => {
    expect(text(new LineSplitter('CRLF').push(bytes('AB\rCD\r\n')))).toEqual(['AB\rCD']);
  });

  it('a multi-byte configured terminator', () => {
    const splitter = new LineSplitter({ bytes: [0x1e, 0x04] });
    expect(text(splitter.push(bytes('ONE\x1e')))).toEqual([]);
    expect(text(splitter.push(bytes('\x04TWO\x1e\x04')))).toEqual(['ONE', 'TWO']);
    expect(() => new LineSplitter({ bytes: [] })).toThrow(RangeError);
  });

  it('an overlong line is reported once, skipped to its terminator, and memory stays bounded', () => {
    const splitter = new LineSplitter('LF', 16);
    const pieces: LinePiece[] = [];
    for (let i = 0; i < 100; i++) pieces.push(...splitter.push(bytes('X'.repeat(100))));
    pieces.push(...splitter.push(bytes('tail\nGOOD\n')));
    expect(text(pieces)).toEqual(['!tooLong (over 16 bytes without a terminator)', 'GOOD']);
  });
});
