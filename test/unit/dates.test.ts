import { describe, expect, it } from 'vitest';
import { formatInstant } from '../../core/i18n/dates';

// The one formatter of moments (core/i18n/dates.ts): the viewer's language, the shop's zone, whatever the machine's zone.
describe('formatInstant', () => {
  const at = '2026-11-03T08:40:00.000Z';

  it("shows a stored UTC instant on the shop's clock, in the viewer's language", () => {
    expect(formatInstant(at, 'pl', 'Europe/Warsaw')).toBe('3 lis 2026, 09:40');
    expect(formatInstant(at, 'en', 'Europe/London')).toBe('3 Nov 2026, 08:40');
    expect(formatInstant(at, 'de', 'Europe/Berlin', 'longDate')).toBe('3. November 2026');
    expect(formatInstant(at, 'hu', 'Europe/Budapest', 'date')).toBe('2026. nov. 3.');
  });

  it('takes a Date as well as an ISO string, and keeps the receipt’s fixed-width styles', () => {
    expect(formatInstant(new Date(at), 'pl', 'Europe/Warsaw')).toBe(formatInstant(at, 'pl', 'Europe/Warsaw'));
    expect(formatInstant(at, 'pl', 'Europe/Warsaw', 'numericDateTime')).toBe('03.11.2026, 09:40');
    expect(formatInstant(at, 'pl', 'Europe/Warsaw', 'numericDate')).toBe('03.11.2026');
  });

  it('follows daylight saving: the hour skipped in spring', () => {
    expect(formatInstant('2026-03-29T00:30:00Z', 'de', 'Europe/Berlin')).toBe('29.03.2026, 01:30');
    expect(formatInstant('2026-03-29T01:30:00Z', 'de', 'Europe/Berlin')).toBe('29.03.2026, 03:30');
  });

  it('a day late in the evening in UTC is already the next day in the shop', () => {
    expect(formatInstant('2026-11-03T23:30:00Z', 'en', 'Europe/Warsaw', 'date')).toBe('4 Nov 2026');
    expect(formatInstant('2026-11-03T23:30:00Z', 'en', 'UTC', 'date')).toBe('3 Nov 2026');
  });

  it("gives clock times (the staff screen's) on the shop's clock, whatever the machine's zone", () => {
    expect(formatInstant('2026-11-03T23:05:30Z', 'pl', 'Europe/Warsaw', 'time')).toBe('00:05');
    expect(formatInstant('2026-11-03T23:05:30Z', 'pl', 'Europe/Warsaw', 'timeSeconds')).toBe('00:05:30');
    expect(formatInstant('2026-11-03T23:05:30Z', 'en', 'Europe/London', 'time')).toBe('23:05');
  });
});
