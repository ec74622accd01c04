// The real KioskServices (main/kiosk/ui-services.ts) behind the real dispatcher, on a real kiosk app:
// store in a temp dir, its local hub, the virtual printer and scanner. No browser here (ui-e2e has one).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { memberCodeFor } from '../../core/codes';
import { stampsByCard } from '../../core/ledger/projections';
import type { CommandName, KioskEvent, Reply } from '../../core/contract';
import { CURRENCIES } from '../../core/money';
import { demoProgram } from '../../core/program/demo';
import { createVoucher, rewardKeyOf, voucherKeyPair } from '../../core/tokens';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { createDispatcher, type Dispatcher, type DispatcherSession } from '../../main/ipc/dispatcher';
import { KioskService } from '../../main/kiosk/service';
import { openStore } from '../../main/store';
import { tempDir } from '../support/hub-harness';
import { until } from '../support/until';
import { systemClock } from '../../core/clock';

/** The demo program's welcome bonus (core/program/demo.ts), paid with a member's first purchase. */
const WELCOME = 50;

const temp = tempDir('ui-services');
let app: KioskApp;
let dispatcher: Dispatcher;
let session: DispatcherSession;
const events: KioskEvent[] = [];

async function call<N extends CommandName>(name: N, args: unknown): Promise<Reply<N>> {
  return (await session.call(name, args)) as Reply<N>;
}
async function ok<N extends CommandName>(name: N, args: unknown): Promise<Extract<Reply<N>, { ok: true }>['value']> {
  const reply = await call(name, args);
  if (!reply.ok) throw new Error(`${name} refused: ${reply.error.code} ${reply.error.message}`);
  return reply.value;
}

beforeAll(async () => {
  const config = loadKioskConfig({ KIOSK_DATA_DIR: temp.dir, KIOSK_API_PORT: '0', HUB_PORT: '0', KIOSK_API_TOKEN: 'ui-services-token-0123456789' }, []);
  app = await startKioskApp(config, systemClock, () => {});
  dispatcher = createDispatcher({ services: app.ui, log: () => {} });
  session = dispatcher.openSession('test');
  session.onEvent((e) => events.push(e));
  await until(() => app.sync.connected, 'the hub connection');
}, 150_000);

afterAll(async () => {
  session?.close();
  dispatcher?.close();
  await app?.stop();
  temp.remove();
});

describe('real kiosk services behind the contract', () => {
  it('refuses staff commands before the PIN, then takes a sale and shows its QR', async () => {
    const locked = await call('createSale', { total: { amount: 1840, currency: 'PLN' } });
    expect(locked.ok).toBe(false);
    expect(app.store.counts().sales).toBe(0);
    expect((await ok('unlockStaff', { pin: '0000' })).unlocked).toBe(false);
    expect((await ok('unlockStaff', { pin: app.staffPin.pin })).unlocked).toBe(true);

    const sale = await ok('createSale', { total: { amount: 1840, currency: 'PLN' } });
    expect(sale.state).toBe('open');
    expect(sale.points).toBeGreaterThan(0);
    expect(sale.claimUrl.toLowerCase()).toContain(app.hubPublicUrl.toLowerCase());
    expect(events.some((e) => e.name === 'saleCreated' && e.payload.saleId === sale.saleId)).toBe(true);
    const status = await ok('getStatus', {});
    expect(status.currentSale?.saleId).toBe(sale.saleId);
    expect(status.shopName).toBe(demoProgram().name);
    expect(status.hub.state).toBe('online');
  });

  it('enrols a member with a layout-safe code, finds them, attaches them to the sale through the hub', async () => {
    const member = await ok('enrollMember', { name: 'Ewa Nowak', phone: '600 100 200', locale: 'pl', consent: true });
    expect(member.code).toMatch(/^M[A-R]{11}$/);
    expect(member.phone).toBe('+48 ••• ••• 200');
    expect(app.store.getMember(member.memberId)?.phone).toBe('+48600100200');
    // One person, one member: the same number in another format is that member, not a second one.
    const again = await ok('enrollMember', { phone: '+48 600 100 200', locale: 'pl', consent: true });
    expect(again.memberId).toBe(member.memberId);
    expect(app.store.counts().members).toBe(1);

    const found = await ok('searchMembers', { query: 'nowak' });
    expect(found.members.map((m) => m.memberId)).toEqual([member.memberId]);

    const sale = (await ok('getStatus', {})).currentSale!;
    const claim = await ok('attachMember', { saleId: sale.saleId, memberCode: member.code });
    expect(claim.member.memberId).toBe(member.memberId);
    // Her first purchase: the sale's points and the demo program's welcome (enrolled in front of staff: no code to wait for).
    expect(claim.pointsEarned).toBe(sale.points + WELCOME);
    expect(events.some((e) => e.name === 'claimAccepted' && e.payload.saleId === sale.saleId)).toBe(true);
    expect(app.store.getSale(sale.saleId)?.memberId).toBe(member.memberId);
    const twice = await call('attachMember', { saleId: sale.saleId, memberId: member.memberId });
    expect(twice.ok === false && twice.error.reason).toBe('alreadyClaimed');
  });

  it('a member card on the virtual scanner is routed through classifyScan: memberScanned and attached to the open sale', async () => {
    const member = (await ok('searchMembers', { query: 'nowak' })).members[0]!;
    const sale = await ok('createSale', { total: { amount: 25_000, currency: 'PLN' } });
    app.scanners.virtual!.scan(member.code);
    await until(() => events.some((e) => e.name === 'claimAccepted' && e.payload.saleId === sale.saleId), 'the scanned member claim');
    expect(events.some((e) => e.name === 'memberScanned' && e.payload.member?.memberId === member.memberId)).toBe(true);
    app.scanners.virtual!.scan('5901234123457');
    await until(() => app.ui.notices[0]?.includes('product barcode') ?? false, 'the staff message');
  });

  it('a member card then an older receipt QR, with no sale open: the receipt is claimed for that member by staff', async () => {
    const member = (await ok('searchMembers', { query: 'nowak' })).members[0]!;
    const older = await ok('createSale', { total: { amount: 500, currency: 'PLN' } });
    const latest = await ok('createSale', { total: { amount: 700, currency: 'PLN' } });
    await ok('attachMember', { saleId: latest.saleId, memberId: member.memberId });
    expect((await ok('getStatus', {})).currentSale).toBeNull();
    app.scanners.virtual!.scan(member.code);
    await until(() => app.ui.notices[0]?.includes('no sale is open') ?? false, 'the member scan');
    expect(app.store.getSale(older.saleId)?.memberId).toBeNull();
    app.scanners.virtual!.scan(older.claimUrl);
    await until(() => app.store.getSale(older.saleId)?.memberId === member.memberId, 'the staff claim of the receipt');
    expect(app.ui.notices[0]).toMatch(/^receipt claimed: \+\d+ points$/);
  });

  it('lists rewards with affordability, redeems one and says what to do, refunds a sale', async () => {
    const member = (await ok('searchMembers', { query: 'nowak' })).members[0]!;
    const { rewards } = await ok('listRewards', { memberId: member.memberId });
    const tenOff = rewards.find((r) => r.rewardId === 'ten-off')!;
    expect(tenOff.affordable).toBe(member.points >= 100);
    expect(rewards.find((r) => r.rewardId === 'free-coffee')!.affordable).toBe(false);
    const coffee = await call('redeemReward', { memberId: member.memberId, rewardId: 'free-coffee' });
    expect(coffee.ok === false && coffee.error.reason).toBe('notEnoughPoints');

    const redeemed = await ok('redeemReward', { memberId: member.memberId, rewardId: 'five-zl' });
    expect(redeemed.instruction).toEqual({ kind: 'discountAmount', amount: { amount: 500, currency: 'PLN' } });
    expect(redeemed.member.points).toBe(member.points - 60);

    const { sales } = await ok('listRecentSales', { limit: 5 });
    const claimed = sales.find((s) => s.memberId === member.memberId && s.total.amount === 1840)!;
    const preview = await ok('previewReversal', { saleId: claimed.saleId, kind: 'refund' });
    // A full refund takes back the sale's points and the welcome paid with it.
    expect(preview).toMatchObject({ amount: claimed.total, pointsReversed: claimed.points + WELCOME });
    const refund = await ok('refundSale', { saleId: claimed.saleId });
    expect(refund.pointsReversed).toBe(claimed.points + WELCOME);
    // Held for a minute: nothing is written yet, the list says so, and a second refund is refused.
    expect(app.store.getSale(claimed.saleId)?.status).toBe('recorded');
    expect((await ok('listRecentSales', { limit: 5 })).sales.find((s) => s.saleId === claimed.saleId)?.reversalHeldUntil).toBe(refund.recordAt);
    expect((await call('voidSale', { saleId: claimed.saleId })).ok).toBe(false);
    // Undo within the minute: nothing was ever recorded. Then refund again and let the minute pass.
    expect(await ok('undoReversal', { saleId: claimed.saleId })).toEqual({ saleId: claimed.saleId });
    expect(app.store.refundsForSale(claimed.saleId)).toEqual([]);
    const held = await ok('refundSale', { saleId: claimed.saleId });
    app.ui.recordHeldReversals(new Date(Date.parse(held.recordAt)));
    expect(app.store.getSale(claimed.saleId)?.status).toBe('refunded');
    expect(events.some((e) => e.name === 'saleClosed' && e.payload.saleId === claimed.saleId && e.payload.reason === 'refunded')).toBe(true);
    const late = await call('undoReversal', { saleId: claimed.saleId });
    expect(late.ok === false && late.error.reason).toBe('nothingToUndo');
    const again = await call('voidSale', { saleId: claimed.saleId });
    expect(again.ok === false && again.error.reason).toBe('saleClosed');

    // Today as the owner's dashboard counts it: the refunded sale is left out, its points show as taken back.
    const today = await ok('getTodayFigures', {});
    expect(today.sales).toBe(3);
    expect(today.salesTotal.amount).toBe(25_000 + 500 + 700);
    expect(today.memberSales).toBe(3);
    expect(today.pointsTakenBack).toBe(claimed.points + WELCOME);
    expect(today.enrollments).toBe(1);
    expect(today.redemptions).toBe(1);
    expect(today.pointsRedeemed).toBe(60);
    expect(today.refunds).toBe(1);
  });

  it('a void after the member spent the points takes back what is left and tells staff the rest was not recovered', async () => {
    const member = await ok('enrollMember', { name: 'Piotr Zieliński', phone: '600 100 300', locale: 'pl', consent: true });
    const sale = await ok('createSale', { total: { amount: 12_000, currency: 'PLN' } });
    await ok('attachMember', { saleId: sale.saleId, memberId: member.memberId });
    await ok('redeemReward', { memberId: member.memberId, rewardId: 'ten-off' });
    const before = app.store.balance(member.memberId).points;
    expect(before).toBeLessThan(sale.points + WELCOME);

    const voided = await ok('voidSale', { saleId: sale.saleId });
    expect(voided.pointsReversed).toBe(before);
    expect(voided.pointsNotRecovered).toBe(sale.points + WELCOME - before);
    app.ui.recordHeldReversals(new Date(Date.parse(voided.recordAt)));
    expect(app.store.balance(member.memberId).points).toBe(0);
  });

  it('adds a member while the hub is away: claimed offline on the kiosk, settled by the hub when it is back', async () => {
    const member = (await ok('searchMembers', { query: 'nowak' })).members[0]!;
    const sale = await ok('createSale', { total: { amount: 990, currency: 'PLN' } });
    app.sync.stop();
    const pendingClaims = (): number => app.store.pendingOutbox(500).filter((m) => m.topic === 'saleClaimed').length;
    try {
      const claim = await ok('attachMember', { saleId: sale.saleId, memberId: member.memberId });
      expect(claim.pointsEarned).toBe(sale.points);
      expect(app.store.getSale(sale.saleId)?.memberId).toBe(member.memberId);
      expect(pendingClaims()).toBe(1);
      expect((await ok('getStatus', {})).hub.state).toBe('offline');
    } finally {
      app.sync.start();
    }
    await until(() => pendingClaims() === 0, 'the offline claim acknowledged by the hub', 20_000);
    expect(app.store.getSale(sale.saleId)?.memberId).toBe(member.memberId);
  });

  it('reprints the last receipt and reports a paper-out printer in the status', async () => {
    const reprint = await ok('reprintLastReceipt', {});
    expect(reprint.printer.name).toBe('Virtual printer');
    app.virtualPrinter!.state.paperOut = true;
    await until(() => events.some((e) => e.name === 'printerStatusChanged' && e.payload.fault === 'paperOut'), 'paper out', 20_000);
    expect((await ok('getStatus', {})).printer).toEqual({ state: 'fault', fault: 'paperOut', name: 'Virtual printer' });
    app.virtualPrinter!.state.paperOut = false;
  });

  it("the counter screen's campaign line names only a campaign: a sale that earns the spend bonus shows the Tuesday campaign on a Tuesday, else nothing", async () => {
    expect((await ok('unlockStaff', { pin: app.staffPin.pin })).unlocked).toBe(true);
    const seen = events.length;
    // 120 zł: over the demo program's 100 zł spend bonus ("ponad 100 zł"), a bonus that is not a campaign.
    const sale = await ok('createSale', { total: { amount: 12_000, currency: 'PLN' } });
    await until(() => events.slice(seen).some((e) => e.name === 'saleCreated' && e.payload.saleId === sale.saleId), 'the saleCreated event');
    const shown = events.slice(seen).find((e) => e.name === 'saleCreated' && e.payload.saleId === sale.saleId)!;
    if (shown.name !== 'saleCreated') throw new Error('not a sale');
    const weekday = new Intl.DateTimeFormat('en-GB', { weekday: 'short', timeZone: demoProgram().timeZone }).format(new Date(shown.payload.issuedAt));
    expect(shown.payload.campaign?.ruleId ?? null).toBe(weekday === 'Tue' ? 'tuesday' : null);
  });
});

describe('keypad category keys', () => {
  it('ring a two-category sale that fills two stamp cards when claimed', async () => {
    if (!(await ok('unlockStaff', { pin: app.staffPin.pin })).unlocked) throw new Error('staff mode did not unlock');
    // The owner's program with a bread card and keypad keys, in force on this kiosk from a minute ago.
    const program = demoProgram();
    const document = {
      ...program,
      rules: [...program.rules, { type: 'stamps', id: 'bread-card', label: 'karta chlebowa', cardSize: 6, per: 'item', category: 'bread' }],
      categories: {
        keys: [
          { label: 'Kawa', category: 'coffee' },
          { label: 'Chleb', category: 'bread' },
        ],
      },
    };
    const effectiveFrom = new Date(Date.now() - 60_000).toISOString();
    expect(app.service.applyProgramVersions([{ version: 1000, effectiveFrom, document }])).toEqual({ stored: [1000], refused: 0 });
    expect((await ok('getStatus', {})).categoryKeys).toEqual([
      { label: 'Kawa', category: 'coffee' },
      { label: 'Chleb', category: 'bread' },
    ]);
    const refused = await call('createSale', { total: { amount: 2400, currency: 'PLN' }, lines: [{ category: 'coffee', quantity: 0 }] });
    expect(refused.ok).toBe(false);

    const sale = await ok('createSale', {
      total: { amount: 2400, currency: 'PLN' },
      lines: [
        { category: 'coffee', quantity: 2 },
        { category: 'bread', quantity: 1 },
      ],
    });
    expect(sale.stamps).toBe(3);
    const stored = app.store.getSale(sale.saleId)!;
    expect(stored.source).toBe('keypad');
    expect(stored.earned?.stampsByCard).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
    expect(stored.earned?.points).toBe(sale.points);
    expect(stored.lines).toEqual([
      { name: 'Kawa', category: 'coffee', quantity: 2, amount: 0 },
      { name: 'Chleb', category: 'bread', quantity: 1, amount: 0 },
    ]);

    // Claimed for a member by staff on this kiosk (the kiosk's own claim): each card gets its own stamps.
    const created = new Date().toISOString();
    app.store.createMember({
      id: 'keypad-ola',
      code: memberCodeFor(901),
      name: 'Ola',
      phone: '+48600901901',
      consentAt: created,
      consentText: 'v1',
      locale: 'pl',
      createdAt: created,
    });
    const claim = app.service.claimSaleOffline({ saleId: sale.saleId, memberId: 'keypad-ola' });
    expect(claim.stamps).toBe(3);
    expect(stampsByCard(app.store.entriesForMember('keypad-ola'))).toEqual({ 'coffee-card': 2, 'bread-card': 1 });
  });
});

describe('vouchers at the kiosk', () => {
  it("names the sale ceiling the staff keypad stops at: the currency's, else the program's own or the kiosk's, whichever is lower", async () => {
    expect((await ok('getStatus', {})).saleCeiling).toEqual({ amount: CURRENCIES.PLN.saleCeiling, currency: 'PLN' });
    const dir = tempDir('ui-ceiling');
    const store = openStore({ now: systemClock, dir: dir.dir });
    try {
      const identity = { kioskId: 'k1', kioskNo: 1, shopNo: 3, secret: '00'.repeat(32) };
      const now = () => new Date('2026-11-25T10:00:00Z');
      const program = { ...demoProgram(), maxSale: 50_000 };
      const service = new KioskService({ store, program, identity, hubPublicUrl: 'http://hub.test', now });
      expect(service.saleCeiling()).toEqual({ amount: 50_000, currency: 'PLN' });
      // What the keypad stops at is what createSale takes: the ceiling itself, not a grosz more.
      await expect(service.createSale({ tillSaleId: 'C-1', total: { amount: 50_001, currency: 'PLN' } })).rejects.toThrow(/over this shop's ceiling/);
      expect((await service.createSale({ tillSaleId: 'C-2', total: { amount: 50_000, currency: 'PLN' } })).created).toBe(true);
      const lower = new KioskService({ store, program, identity, hubPublicUrl: 'http://hub.test', ceilings: { PLN: 30_000 }, now });
      expect(lower.saleCeiling()).toEqual({ amount: 30_000, currency: 'PLN' });
      await expect(lower.createSale({ tillSaleId: 'C-3', total: { amount: 30_001, currency: 'PLN' } })).rejects.toThrow(/over this shop's ceiling/);
    } finally {
      store.close();
      dir.remove();
    }
  });

  it('verifies a hub-signed voucher offline, redeems it once, refuses a forged or reused one', async () => {
    const dir = tempDir('ui-voucher');
    const store = openStore({ now: systemClock, dir: dir.dir });
    try {
      const keys = voucherKeyPair(new Uint8Array(32).fill(7));
      const identity = { kioskId: 'k1', kioskNo: 1, shopNo: 3, secret: '00'.repeat(32) };
      const now = new Date('2026-11-25T10:00:00Z');
      const service = new KioskService({ store, program: demoProgram(), identity, hubPublicUrl: 'http://hub.test', now: () => now });
      store.createMember({
        id: 'm7',
        code: memberCodeFor(7),
        name: 'Ola',
        phone: '+48600700700',
        consentAt: now.toISOString(),
        consentText: 'v1',
        locale: 'pl',
        createdAt: now.toISOString(),
      });
      store.appendEntries([
        {
          id: 'e1',
          memberId: 'm7',
          kind: 'adjust',
          points: 150,
          stamps: 0,
          saleId: null,
          reverses: null,
          reason: { code: 'adjust', label: 'test' },
          at: now.toISOString(),
        },
      ]);
      const data = {
        shopNo: 3,
        voucherId: '0123456789abcdef',
        memberNo: 7,
        rewardKey: rewardKeyOf('ten-off'),
        costPoints: 100,
        costStamps: 0,
        expiresAt: new Date('2026-12-01T00:00:00Z'),
      };
      const code = createVoucher(data, keys.secretKey);
      const forged = createVoucher(data, new Uint8Array(32).fill(9));
      await expect(service.redeemVoucher(forged, keys.publicKey)).rejects.toThrow(/not a valid voucher/);
      expect(store.balance('m7').points).toBe(150);
      // No hub to ask: accepted on its signature; the hub's hold (taken when it was issued) joins this ledger, nothing more is debited.
      const r = await service.redeemVoucher(code, keys.publicKey);
      expect(r).toMatchObject({ rewardId: 'ten-off', via: 'offline', memberId: 'm7', created: true });
      expect(store.getEntry('voucher-hold:0123456789abcdef')).toMatchObject({ points: -100, kind: 'redeem', at: '2026-11-01T00:00:00.000Z' });
      expect(store.balance('m7').points).toBe(50);
      expect(
        store
          .pendingOutbox(10)
          .filter((m) => m.topic === 'voucherRedeemed')
          .map((m) => m.payload),
      ).toEqual([{ voucherId: '0123456789abcdef', redemptionId: r.redemptionId }]);
      await expect(service.redeemVoucher(code, keys.publicKey)).rejects.toThrow(/already redeemed at this kiosk/);
      expect(store.balance('m7').points).toBe(50);

      // A member who joined on their phone is known here only from the hub's claims (by hub number).
      store.appendEntries([
        {
          id: 'claim:K1-S9',
          memberId: 'hub-m12',
          kind: 'earn',
          points: 80,
          stamps: 0,
          saleId: 'K1-S9',
          reverses: null,
          reason: { code: 'claim', label: 'QR' },
          at: now.toISOString(),
        },
      ]);
      const phoneVoucher = createVoucher(
        { ...data, voucherId: 'fedcba9876543210', memberNo: 12, rewardKey: rewardKeyOf('five-zl'), costPoints: 60 },
        keys.secretKey,
      );
      const byHubNo = await service.redeemVoucher(phoneVoucher, keys.publicKey, { memberIdForHubNo: (no) => (no === 12 ? 'hub-m12' : undefined) });
      expect(byHubNo).toMatchObject({ memberId: 'hub-m12', hubMemberNo: 12 });
      expect(store.balance('hub-m12').points).toBe(20);
      // A member this kiosk has never seen: the voucher still stands on its signature (the hold lives at the hub).
      const stranger = createVoucher({ ...data, voucherId: 'aaaaaaaaaaaaaaaa', memberNo: 99 }, keys.secretKey);
      expect(await service.redeemVoucher(stranger, keys.publicKey)).toMatchObject({ memberId: null, rewardId: 'ten-off', via: 'offline' });
    } finally {
      store.close();
      dir.remove();
    }
  });

  it('redeems the reward a voucher names after the reward before it was removed in a new program version', async () => {
    const dir = tempDir('ui-voucher-key');
    const store = openStore({ now: systemClock, dir: dir.dir });
    try {
      const keys = voucherKeyPair(new Uint8Array(32).fill(7));
      const identity = { kioskId: 'k1', kioskNo: 1, shopNo: 3, secret: '00'.repeat(32) };
      let now = new Date('2026-11-25T10:00:00Z');
      const service = new KioskService({ store, program: demoProgram(), identity, hubPublicUrl: 'http://hub.test', now: () => now });
      store.createMember({
        id: 'm7',
        code: memberCodeFor(7),
        name: 'Ola',
        phone: '+48600700700',
        consentAt: now.toISOString(),
        consentText: 'v1',
        locale: 'pl',
        createdAt: now.toISOString(),
      });
      store.appendEntries([
        {
          id: 'e1',
          memberId: 'm7',
          kind: 'adjust',
          points: 300,
          stamps: 0,
          saleId: null,
          reverses: null,
          reason: { code: 'adjust', label: 'test' },
          at: now.toISOString(),
        },
      ]);
      // Issued while "5 zł off" is the third reward of the program.
      const voucher = (voucherId: string, rewardId: string, costPoints: number): string =>
        createVoucher(
          { shopNo: 3, voucherId, memberNo: 7, rewardKey: rewardKeyOf(rewardId), costPoints, costStamps: 0, expiresAt: new Date('2026-12-01T00:00:00Z') },
          keys.secretKey,
        );
      const fiveOff = voucher('0123456789abcdef', 'five-zl', 60);
      const tenOff = voucher('fedcba9876543210', 'ten-off', 100);
      // The owner removes "10% off" (the reward before it) from the next day: "5 zł off" is now second.
      const program = demoProgram();
      const next = { ...program, rewards: program.rewards.filter((r) => r.id !== 'ten-off') };
      expect(service.applyProgramVersions([{ version: 1, effectiveFrom: '2026-11-26T00:00:00Z', document: next }])).toEqual({ stored: [1], refused: 0 });
      now = new Date('2026-11-26T09:00:00Z');
      expect(service.program.rewards[1]!.id).toBe('five-zl');
      const r = await service.redeemVoucher(fiveOff, keys.publicKey);
      expect(r.reward).toMatchObject({ id: 'five-zl', name: '5 zł off' });
      expect(store.getEntry('voucher-hold:0123456789abcdef')).toMatchObject({ points: -60, reason: { ruleId: 'five-zl', label: '5 zł off' } });
      expect(store.balance('m7').points).toBe(240);
      // A voucher for the removed reward is refused and debits nothing.
      await expect(service.redeemVoucher(tenOff, keys.publicKey)).rejects.toThrow(/no longer offers/);
      expect(store.balance('m7').points).toBe(240);
    } finally {
      store.close();
      dir.remove();
    }
  });
});
