// fast-check helpers for the fuzz suites (test/security/*-fuzz.test.ts): arbitrary JSON, and near-valid
// mutations of a valid payload (one place changed: a key dropped or added, a value of another type, a
// number pushed to an edge, a string altered), which get past a shallow check and reach the deeper ones.
import fc from 'fast-check';
import { COMMAND_NAMES, commands, type CommandName } from '../../core/contract';

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };

/** JSON as a hostile client would send it: any depth, unicode, keys like __proto__, big and negative numbers. */
export const anyJson: fc.Arbitrary<unknown> = fc.jsonValue({ maxDepth: 4 });

/** Every place in a JSON value, as a path of keys and indexes (the root is []). */
function paths(value: Json, at: (string | number)[] = []): (string | number)[][] {
  const here = [at];
  if (Array.isArray(value)) return here.concat(...value.map((v, i) => paths(v, [...at, i])));
  if (value !== null && typeof value === 'object') return here.concat(...Object.entries(value).map(([k, v]) => paths(v, [...at, k])));
  return here;
}

const edgeValues: Json[] = [
  null,
  true,
  0,
  -1,
  1.5,
  -1_000_000,
  2_147_483_648,
  Number.MAX_SAFE_INTEGER,
  '',
  ' ',
  'x'.repeat(5000),
  '\u0000',
  '../../etc/passwd',
  "'; DROP TABLE ledger; --",
  'claim:K1-S1',
  'owner:1',
  '__proto__',
  [],
  {},
  JSON.parse('{"__proto__": {"polluted": true}}') as Json,
];

/** How to change the value found at one path. */
const mutation = fc.oneof(
  fc.constant({ kind: 'delete' as const }),
  fc.record({ kind: fc.constant('replace' as const), value: fc.oneof(fc.constantFrom(...edgeValues), anyJson) }),
  fc.record({ kind: fc.constant('addKey' as const), key: fc.oneof(fc.string({ maxLength: 12 }), fc.constant('__proto__')), value: anyJson }),
  fc.record({ kind: fc.constant('number' as const), by: fc.integer({ min: -1_000_001, max: 1_000_001 }) }),
  fc.record({ kind: fc.constant('string' as const), suffix: fc.string({ unit: 'binary', maxLength: 8 }) }),
);

/** `valid` with `count` places changed (1 by default: near-valid). */
export function nearValid(valid: unknown, count = 1): fc.Arbitrary<unknown> {
  const all = paths(valid as Json);
  return fc.array(fc.tuple(fc.nat({ max: all.length - 1 }), mutation), { minLength: 1, maxLength: count }).map((changes) => {
    let value = structuredClone(valid) as Json;
    for (const [index, change] of changes) value = applyAt(value, all[index]!, change);
    return value;
  });
}

type Mutation = typeof mutation extends fc.Arbitrary<infer M> ? M : never;

function applyAt(root: Json, path: (string | number)[], change: Mutation): Json {
  const leaf = (current: Json | undefined): Json | undefined => {
    switch (change.kind) {
      case 'delete':
        return undefined;
      case 'replace':
        return change.value as Json;
      case 'addKey':
        return current !== null && typeof current === 'object' && !Array.isArray(current)
          ? Object.defineProperty({ ...current }, change.key, { value: change.value, enumerable: true, configurable: true, writable: true })
          : (change.value as Json);
      case 'number':
        return typeof current === 'number' ? current + change.by : current;
      case 'string':
        return typeof current === 'string' ? current + change.suffix : current;
    }
  };
  if (path.length === 0) return leaf(root) ?? null;
  const walk = (node: Json, rest: (string | number)[]): Json => {
    const [key, ...more] = rest;
    if (Array.isArray(node)) {
      const copy = [...node];
      const next = more.length === 0 ? leaf(copy[key as number]) : walk(copy[key as number]!, more);
      if (next === undefined) copy.splice(key as number, 1);
      else copy[key as number] = next;
      return copy;
    }
    if (node !== null && typeof node === 'object') {
      const copy = { ...node };
      const next = more.length === 0 ? leaf(copy[key as string]) : walk(copy[key as string]!, more);
      if (next === undefined) delete copy[key as string];
      else copy[key as string] = next;
      return copy;
    }
    return node;
  };
  return walk(root, path);
}

/** `valid` text with one to three edits: a character inserted, removed or replaced (any unicode, controls included), a cut, a case change, padding. */
export function nearValidText(valid: string): fc.Arbitrary<string> {
  const char = fc.oneof(
    fc.string({ unit: 'grapheme', minLength: 1, maxLength: 1 }),
    fc.constantFrom('\u0000', '\r', '\n', '\t', '\u001d', '\u00a0', '\uFFFD', ' '),
  );
  const edit = fc.oneof(
    fc.record({ kind: fc.constant('insert' as const), at: fc.nat(), c: char }),
    fc.record({ kind: fc.constant('remove' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('replace' as const), at: fc.nat(), c: char }),
    fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
    fc.record({ kind: fc.constant('case' as const) }),
    fc.record({ kind: fc.constant('pad' as const), pad: fc.constantFrom(' ', '\t', '  ', '\u3000') }),
  );
  return fc.array(edit, { minLength: 1, maxLength: 3 }).map((edits) => {
    let text = valid;
    for (const e of edits) {
      const at = 'at' in e ? e.at % (text.length + 1) : 0;
      if (e.kind === 'insert') text = text.slice(0, at) + e.c + text.slice(at);
      else if (e.kind === 'remove') text = text.slice(0, at) + text.slice(at + 1);
      else if (e.kind === 'replace') text = text.slice(0, at) + e.c + text.slice(at + 1);
      else if (e.kind === 'cut') text = text.slice(0, at);
      else if (e.kind === 'case') text = text === text.toUpperCase() ? text.toLowerCase() : text.toUpperCase();
      else text = e.pad + text + e.pad;
    }
    return text;
  });
}

/** The bridge commands the fuzz suites send; the PIN ones are left out: a valid wrong PIN counts toward the lock-out (kiosk-pin.test.ts). */
export type FuzzedCommand = Exclude<CommandName, 'unlockStaff' | 'lockStaff'>;

/**
 * Valid arguments of each fuzzed bridge command, the seeds of the near-valid mutations: `saleId` names
 * a sale of the kiosk under test, `tillSaleId` a till's number for a new one.
 */
export function bridgeCommandSeeds(saleId: string, tillSaleId: string): Record<FuzzedCommand, unknown> {
  return {
    getStatus: {},
    getTodayFigures: {},
    createSale: { total: { amount: 1840, currency: 'PLN' }, tillSaleId },
    attachMember: { saleId, memberCode: 'MBR0001' },
    searchMembers: { query: 'Anna' },
    enrollMember: { name: 'Ewa', phone: '+48 600 100 200', email: 'ewa@example.com', locale: 'pl', consent: true },
    listRewards: { memberId: 'm-1' },
    redeemReward: { memberId: 'm-1', rewardId: 'coffee' },
    listRecentSales: { limit: 10 },
    refundSale: { saleId, amount: { amount: 100, currency: 'PLN' } },
    voidSale: { saleId },
    previewReversal: { saleId, kind: 'refund', amount: { amount: 100, currency: 'PLN' } },
    undoReversal: { saleId },
    reprintLastReceipt: {},
    setLocale: { locale: 'en' },
  };
}

/** Whether the contract takes this message (the dispatcher's own check, asked independently). */
export function contractAccepts(name: unknown, args: unknown): boolean {
  if (typeof name !== 'string' || !(COMMAND_NAMES as readonly string[]).includes(name)) return false;
  return commands[name as CommandName].args.safeParse(args).success;
}

/** A command name as a hostile client sends it: a real one, any string, or any JSON. */
export function anyCommandName(seeds: Record<FuzzedCommand, unknown>): fc.Arbitrary<unknown> {
  return fc.oneof(fc.constantFrom<unknown>(...Object.keys(seeds)), fc.string({ maxLength: 30 }), anyJson);
}

/** A real command with its seed changed in up to two places. */
export function nearValidCommand(seeds: Record<FuzzedCommand, unknown>): fc.Arbitrary<[FuzzedCommand, unknown]> {
  const names = Object.keys(seeds) as FuzzedCommand[];
  return fc.oneof(...names.map((name) => fc.tuple(fc.constant(name), nearValid(seeds[name], 2))));
}
