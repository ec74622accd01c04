// Categories where the till sends no lines (core/program/categories.ts): the keypad's category keys
// and the passthrough's item patterns are program data, checked by the schema; a receipt's item lines
// map to categories; a sale claimed with its stamps per card (core/claims) fills each category's card.
import { describe, expect, it } from 'vitest';
import { claimEarnEntries, saleCards } from '../../core/claims';
import { earnForSale } from '../../core/earn';
import { stampsByCard } from '../../core/ledger/projections';
import { money } from '../../core/money';
import { categoryKeys, categoryOfItem, itemQuantity, matchesItemPattern, receiptItemLines } from '../../core/program/categories';
import { parseProgram } from '../../core/program/schema';
import { cafeDocument, program, regular, sequentialIds } from './core-fixtures';

const AT = new Date('2026-11-25T09:00:00Z'); // a Wednesday morning: no campaign

const bakery = () =>
  program({
    rules: [...cafeDocument.rules, { type: 'stamps', id: 'bread-card', label: 'bread card', cardSize: 6, per: 'item', category: 'bread' }],
    categories: {
      keys: [
        { label: 'Coffee', category: 'coffee' },
        { label: 'Bread', category: 'bread' },
      ],
      itemPatterns: [
        { pattern: 'kawa', category: 'coffee' },
        { pattern: 'latte', category: 'coffee' },
        { pattern: 'chleb*', category: 'bread' },
        { pattern: 'bulka*maslana', category: 'bread' },
      ],
    },
  });

describe('program categories', () => {
  it('keeps keypad keys and item patterns in the program and refuses a category no card counts', () => {
    expect(categoryKeys(bakery())).toEqual([
      { label: 'Coffee', category: 'coffee' },
      { label: 'Bread', category: 'bread' },
    ]);
    expect(categoryKeys(program())).toEqual([]);
    const bad = parseProgram({
      ...structuredClone(cafeDocument),
      categories: { keys: [{ label: 'Tea', category: 'tea' }], itemPatterns: [{ pattern: '*', category: 'coffee' }] },
    });
    expect(bad.ok).toBe(false);
    expect(!bad.ok && bad.errors).toEqual(
      expect.arrayContaining([
        { path: 'categories.keys.0.category', message: 'no stamps rule counts category "tea"' },
        { path: 'categories.itemPatterns.0.pattern', message: 'pattern needs some text besides *' },
      ]),
    );
  });

  it('matches patterns without case or accents, with * for any text, first pattern wins', () => {
    expect(matchesItemPattern('chleb*', 'CHLEB ŻYTNI   1 x 12,40')).toBe(true);
    expect(matchesItemPattern('bulka*maslana', 'Bułka maślana 2 x 1,50')).toBe(true);
    expect(matchesItemPattern('bulka*maslana', 'Maślana bułka 2 x 1,50')).toBe(false);
    expect(categoryOfItem(bakery(), 'Kawa latte 1 x 14,00')).toBe('coffee');
    expect(categoryOfItem(bakery(), 'Drożdżówka 1 x 6,00')).toBeUndefined();
  });

  it('reads the quantity printed on an item line, 1 for a weighed item or none printed', () => {
    expect(itemQuantity('Chleb żytni      1 x 12,40')).toBe(1);
    expect(itemQuantity('Kawa latte       3 x 14,00')).toBe(3);
    expect(itemQuantity('Bułka 4szt. x 1,50')).toBe(4);
    expect(itemQuantity('Ser 0,350 x 49,99')).toBe(1);
    expect(itemQuantity('Kawa 2,000 × 9,00')).toBe(2);
    expect(itemQuantity('Kawa')).toBe(1);
    expect(itemQuantity('Kawa 99999 x 1,00')).toBe(1000);
  });

  it('maps the item lines above the total of a receipt to categories', () => {
    const lines = [
      'Piekarnia Złoty Kłos',
      'Chleb żytni      1 x 12,40',
      'Kawa latte       2 x 14,00',
      'Drożdżówka       1 x 6,00',
      'SUMA PLN   46,40',
      'Kawa dnia: latte',
    ];
    expect(receiptItemLines(bakery(), lines, 'SUMA PLN   46,40')).toEqual([
      { name: 'Chleb żytni      1 x 12,40', category: 'bread', quantity: 1 },
      { name: 'Kawa latte       2 x 14,00', category: 'coffee', quantity: 2 },
    ]);
    expect(receiptItemLines(program(), lines, 'SUMA PLN   46,40')).toEqual([]);
  });

  it('a two-category sale claimed with its stamps per card fills both cards, as the till sale with the member does', () => {
    const p = bakery();
    const lines = [
      { category: 'coffee', quantity: 2 },
      { category: 'bread', quantity: 1 },
    ];
    const total = money(4640, 'PLN');
    const anonymous = earnForSale(
      p,
      { id: 'anonymous', joinedAt: AT.toISOString(), visits: 1, firstPurchaseDone: true },
      { id: 'K1-S1', total, lines },
      AT,
      sequentialIds(),
    );
    expect(anonymous.summary.stamps).toEqual({ 'coffee-card': 2, 'visit-card': 1, 'bread-card': 1 });
    const member = regular();
    const input = {
      program: p,
      member,
      saleKey: 'K1-S1',
      via: 'phone' as const,
      total,
      points: anonymous.summary.points,
      stamps: 4,
      reversal: undefined,
      at: AT,
    };
    const byCard = stampsByCard;
    expect(byCard(claimEarnEntries({ ...input, stampsByCard: anonymous.summary.stamps })!)).toEqual({ 'coffee-card': 2, 'visit-card': 1, 'bread-card': 1 });
    expect(byCard(earnForSale(p, member, { id: 'K1-S1', total, lines }, AT, sequentialIds()).entries)).toEqual({
      'coffee-card': 2,
      'visit-card': 1,
      'bread-card': 1,
    });
    // Without the sale's cards (recorded before they were kept), the token's count goes on the first card.
    expect(byCard(claimEarnEntries(input)!)).toEqual({ 'coffee-card': 4 });
    // Half refunded: each card loses the floor of its refunded share (half of 1 is 0), as core/ledger/reverse takes back.
    expect(byCard(claimEarnEntries({ ...input, stampsByCard: anonymous.summary.stamps, reversal: { total: 4640, refunded: 2320, full: false } })!)).toEqual({
      'coffee-card': 1,
      'visit-card': 1,
      'bread-card': 1,
    });
  });

  it('uses a sale’s cards only when they are this program’s and add up to the token’s count', () => {
    const p = bakery();
    expect(saleCards(p, { 'bread-card': 1, 'coffee-card': 2 }, 3)).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    expect(saleCards(p, { 'bread-card': 1, 'coffee-card': 2 }, 4)).toBeUndefined();
    expect(saleCards(p, { 'tea-card': 1 }, 1)).toBeUndefined();
    expect(saleCards(p, { constructor: 1 }, 1)).toBeUndefined();
    expect(saleCards(p, undefined, 0)).toBeUndefined();
  });
});
