import { describe, expect, it } from 'vitest';
import { afterBlock, cutFeedsItself, DEFAULT_TILL_STATE, EscPosStateTracker, restoreTillState, withoutInitialize } from '../../core/pos/escpos-state';

const ESC = 0x1b,
  GS = 0x1d,
  FS = 0x1c,
  DLE = 0x10;

function tracked(...chunks: number[][]): EscPosStateTracker {
  const t = new EscPosStateTracker();
  for (const c of chunks) t.feed(Uint8Array.from(c));
  return t;
}

describe('till printer state tracker', () => {
  it('follows code page, international set, alignment, emphasis, underline, size and print mode', () => {
    const t = tracked([ESC, 0x74, 18, ESC, 0x52, 2, ESC, 0x61, 49, ESC, 0x45, 1, ESC, 0x2d, 2, GS, 0x21, 0x11, 0x41, 0x0a]);
    expect(t.state).toEqual({
      ...DEFAULT_TILL_STATE,
      codePage: { commandSet: 'epson', n: 18 },
      international: 2,
      align: 1,
      emphasis: true,
      underline: 2,
      width: 2,
      height: 2,
    });
  });

  it('ESC ! sets font, emphasis, double size and underline at once; later commands win', () => {
    const t = tracked([ESC, 0x21, 0x01 | 0x08 | 0x10 | 0x80], [ESC, 0x45, 0]);
    expect(t.state).toMatchObject({ font: 1, emphasis: false, height: 2, width: 1, underline: 1 });
  });

  it('ESC @ goes back to the defaults; Star ESC GS t and Kanji mode are kept apart', () => {
    const t = tracked([ESC, 0x74, 18, FS, 0x2e, ESC, 0x40]);
    expect(t.state).toEqual({ ...DEFAULT_TILL_STATE, kanji: false });
    expect(tracked([ESC, GS, 0x74, 5]).state.codePage).toEqual({ commandSet: 'star', n: 5 });
  });

  it('commands split across chunks and bytes inside images are read right', () => {
    // A raster image whose data holds ESC t 2 and ESC E 1: they are pixels, not settings.
    const image = [GS, 0x76, 0x30, 0x00, 0x06, 0x00, 0x01, 0x00, ESC, 0x74, 2, ESC, 0x45, 1];
    const t = tracked([ESC], [0x74], [18, ...image.slice(0, 9)], image.slice(9));
    expect(t.state.codePage).toEqual({ commandSet: 'epson', n: 18 });
    expect(t.state.emphasis).toBe(false);
  });

  it('counts status requests and tells content from a bare poll', () => {
    const t = new EscPosStateTracker();
    expect(t.feed(Uint8Array.from([DLE, 0x04, 1, DLE, 0x04, 4]))).toEqual({ statusRequests: 2, content: false });
    expect(t.feed(Uint8Array.from([0x41, DLE, 0x04, 1]))).toEqual({ statusRequests: 1, content: true });
  });

  it('restores the state without ESC @, in an order where the last command wins', () => {
    const t = tracked([ESC, 0x74, 18, ESC, 0x61, 1, GS, 0x21, 0x01]);
    const bytes = restoreTillState(t.state);
    expect(bytes).toEqual([ESC, 0x74, 18, ESC, 0x52, 0, ESC, 0x21, 0, ESC, 0x45, 0, ESC, 0x2d, 0, GS, 0x21, 0x01, ESC, 0x61, 1]);
    expect(restoreTillState(DEFAULT_TILL_STATE).slice(0, 3)).toEqual([ESC, 0x74, 0]);
    expect(restoreTillState({ ...DEFAULT_TILL_STATE, kanji: true }).slice(0, 2)).toEqual([FS, 0x26]);
  });

  it('feeds past the cutter after the block: the till’s own feed, at least 4 lines, none for a cut that feeds', () => {
    const fedSix = tracked([0x41, 0x0a, ESC, 0x64, 6]);
    expect(fedSix.feedSinceText).toBe(6);
    expect(afterBlock(fedSix, Uint8Array.from([GS, 0x56, 1])).slice(0, 3)).toEqual([ESC, 0x64, 6]);
    expect(afterBlock(tracked([0x41, 0x0a]), Uint8Array.from([ESC, 0x69])).slice(0, 3)).toEqual([ESC, 0x64, 4]);
    expect(cutFeedsItself(Uint8Array.from([GS, 0x56, 0x42, 0]))).toBe(true);
    expect(afterBlock(fedSix, Uint8Array.from([GS, 0x56, 0x42, 0]))).toEqual(restoreTillState(fedSix.state));
  });

  it('takes ESC @ out of a block and nothing else, not even ESC @ bytes inside a QR', () => {
    const qr = [GS, 0x28, 0x6b, 0x05, 0x00, 0x31, 0x50, 0x30, ESC, 0x40];
    expect([...withoutInitialize(Uint8Array.from([ESC, 0x40, ESC, 0x74, 18, ...qr, 0x41]))]).toEqual([ESC, 0x74, 18, ...qr, 0x41]);
  });
});
