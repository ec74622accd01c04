import { describe, expect, it } from 'vitest';
import { earnedLine } from '../../core/receipt/document';

describe('earned line on a receipt', () => {
  it('keeps only the reasons of a headline, since the points print in their own column', () => {
    expect(earnedLine(36, 0, '+36 (x2 wtorek)')).toEqual({ points: 36, stamps: 0, label: 'x2 wtorek' });
    expect(earnedLine(520, 1, '+520 (x2 wtorek, ponad 100 zł)')).toEqual({ points: 520, stamps: 1, label: 'x2 wtorek, ponad 100 zł' });
    expect(earnedLine(18, 0, '+18')).toEqual({ points: 18, stamps: 0 });
  });
});
