// Vouchers are money: a phone redeems a reward on its card (the points are held at once), staff scan
// the voucher at one kiosk (accepted, the reward named), the same code at the other kiosk is refused
// with where and when it was redeemed; both kiosks redeeming one voucher while the hub is down ends
// with one redemption standing and the conflict recorded; the till API redeems idempotently.
// Real parts: the hub on loopback (stopped and restarted on its port), two real kiosk apps (store on
// disk, KioskService, SyncClient, the virtual scanner and the scan routing, the till API), a phone
// speaking HTTP with its cookie.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hub } from '../../cloud/hub';
import type { KioskEvent } from '../../core/contract';
import { formatMessage } from '../../core/i18n/catalog';
import { scanMessages } from '../../core/i18n/scan';
import { decodeSafeCode } from '../../core/codes';
import { formatMoney } from '../../core/money';
import { bytesToHex } from '../../core/sync-protocol';
import { rewardKeyOf } from '../../core/tokens';
import { loadKioskConfig } from '../../main/app/config';
import { startKioskApp, type KioskApp } from '../../main/app/kiosk-app';
import { systemClock } from '../../core/clock';
import { Phone, tempDir, testHub } from '../support/hub-harness';
import { until } from '../support/until';

const TOKEN = 'vouchers-till-token-0123456789';
let tmp: ReturnType<typeof tempDir>;
let hub: Hub | undefined;
let port: number;
const kiosks: Record<'A' | 'B', { app: KioskApp; events: KioskEvent[] }> = {} as never;
let phone: Phone;

function liveHub(): Hub {
  if (!hub) throw new Error('the hub is down');
  return hub;
}

async function startKiosk(name: 'A' | 'B'): Promise<void> {
  // The kiosk app pairs itself with the code in HUB_PAIRING_CODE and names itself KIOSK_NAME on its first start.
  process.env.HUB_PAIRING_CODE = await liveHub().newPairingCode();
  process.env.KIOSK_NAME = `Till ${name}`;
  try {
    const config = loadKioskConfig({ KIOSK_DATA_DIR: `${tmp.dir}/kiosk-${name}`, KIOSK_API_PORT: '0', KIOSK_API_TOKEN: TOKEN, HUB_URL: liveHub().url }, []);
    const app = await startKioskApp(config, systemClock, () => {});
    const events: KioskEvent[] = [];
    app.ui.subscribe((e) => events.push(e));
    kiosks[name] = { app, events };
  } finally {
    delete process.env.HUB_PAIRING_CODE;
    delete process.env.KIOSK_NAME;
  }
}

async function till(kiosk: KioskApp, method: string, path: string, body?: unknown): Promise<{ status: number; json: Record<string, unknown> }> {
  const res = await fetch(`${kiosk.tillApi.url}${path}`, {
    method,
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/json' },
    ...(body === undefined ? {} : { body: JSON.stringify(body) }),
  });
  return { status: res.status, json: (await res.json()) as Record<string, unknown> };
}

/** The phone's card balance as the page shows it. */
async function cardBalance(): Promise<number> {
  const card = await phone.get(`${liveHub().url}/m`);
  return Number(/id="balance">(\d+)</.exec(card.text)?.[1]);
}

/** The phone redeems "5 zł off" (60 points) on its card: the voucher page shows the code staff scan. */
async function voucherFromPhone(): Promise<string> {
  const page = await phone.post(`${liveHub().url}/m/redeem`, { reward: String(rewardKeyOf('five-zl')) });
  expect(page.status).toBe(200);
  const code = /id="voucher-code">(R[A-R]+)</.exec(page.text)?.[1];
  expect(code).toBeDefined();
  return code!;
}

/** The newest scanNotice a kiosk's screens were sent, in English as staff would read it. */
function lastNotice(name: 'A' | 'B'): string | undefined {
  const notices = kiosks[name].events.filter((e) => e.name === 'scanNotice');
  const last = notices.at(-1)?.payload;
  return last && 'key' in last ? formatMessage(scanMessages, 'en', last.key, last.values) : last?.reason;
}

beforeAll(async () => {
  tmp = tempDir('hub-vouchers');
  hub = await testHub(tmp.dir);
  port = hub.port;
  await startKiosk('A');
  await startKiosk('B');
  // Online and holding the hub's program: a paired kiosk rings up nothing before it arrives.
  await until(
    () => kiosks.A.app.sync.connected && kiosks.B.app.sync.connected && kiosks.A.app.service.programReady && kiosks.B.app.service.programReady,
    'both kiosks online with their program',
  );
  // Anna joins on her phone with a sale rung at till A: 18 points and the 50-point welcome bonus.
  phone = new Phone('en');
  const sale = await till(kiosks.A.app, 'POST', '/v1/sales', { tillSaleId: 'A-1', total: { amount: 1840, currency: 'PLN' } });
  expect(sale.status).toBe(201);
  const joined = await phone.join(sale.json.claimUrl as string, '+48600100300');
  expect(joined.status).toBe(303);
  // Her number proven (as the code sent to it does, test/security/hub-join.test.ts): the held welcome bonus is paid.
  const anna = (await liveHub().store.searchMembers(1, '600100300'))[0]!;
  expect((await liveHub().store.payHeldWelcome(anna.id, new Date()))?.points).toBe(50);
}, 90_000);

afterAll(async () => {
  for (const k of Object.values(kiosks)) await k.app.stop();
  await hub?.close();
  tmp.remove();
});

describe('vouchers across the shop', () => {
  it('holds the points at issue; kiosk B accepts the scanned voucher, kiosk A refuses it as already redeemed', async () => {
    expect(await cardBalance()).toBe(68);
    const code = await voucherFromPhone();
    // Held at once: the card shows the balance without the voucher's 60 points, and a second voucher is not affordable.
    expect(await cardBalance()).toBe(8);
    expect((await phone.post(`${liveHub().url}/m/redeem`, { reward: String(rewardKeyOf('five-zl')) })).status).toBe(400);

    // Staff at kiosk B scan it (the virtual scanner types the code as a wedge scanner does, with its Enter).
    kiosks.B.app.scanners.virtual!.scan(code);
    await until(() => lastNotice('B') !== undefined, 'kiosk B to say what to do');
    const amount = formatMoney({ amount: 500, currency: 'PLN' }, (await kiosks.B.app.ui.getStatus()).locale);
    expect(lastNotice('B')).toBe(`Voucher accepted (5 zł off) — key a discount of ${amount} into the till.`);
    const b = kiosks.B.events.find((e) => e.name === 'memberScanned');
    expect(b?.payload).toMatchObject({ member: { name: 'Anna' } });

    // The same code at kiosk A: refused, with where and when.
    kiosks.A.app.scanners.virtual!.scan(code);
    await until(() => lastNotice('A') !== undefined, 'kiosk A to answer');
    expect(lastNotice('A')).toMatch(/^This voucher was already redeemed at Till B at .+ — hand nothing over\.$/);

    // Typed on kiosk A's staff screen: the same refusal, nothing redeemed there.
    await expect(kiosks.A.app.ui.redeemReward({ voucherCode: ` ${code.toLowerCase()}\n` })).rejects.toThrow(/already redeemed at Till B/);
    expect(kiosks.A.app.store.voucherRedemption({ voucherId: voucherIdOf(code) })).toBeUndefined();

    // One redemption in the whole shop; the hold is the only debit, on the hub and on kiosk B alike.
    const voucher = await liveHub().store.voucher(voucherIdOf(code));
    expect(voucher).toMatchObject({ status: 'redeemed', redemption: { kioskName: 'Till B' } });
    const hubEntries = (await liveHub().store.entries(voucher!.memberId)).filter((e) => e.kind === 'redeem');
    expect(hubEntries.map((e) => [e.id, e.points])).toEqual([[`voucher-hold:${voucherIdOf(code)}`, -60]]);
    expect(kiosks.B.app.store.getEntry(`voucher-hold:${voucherIdOf(code)}`)).toEqual(hubEntries[0]);
    expect(await cardBalance()).toBe(8);
  });

  it('both kiosks offline redeem the same voucher: after sync one stands and the conflict is recorded', async () => {
    // Anna earns enough for another voucher, then the hub goes away.
    const sale = await till(kiosks.A.app, 'POST', '/v1/sales', { tillSaleId: 'A-2', total: { amount: 6000, currency: 'PLN' } });
    expect((await phone.post(sale.json.claimUrl as string, { mode: 'member' })).status).toBe(303);
    const before = await cardBalance();
    const code = await voucherFromPhone();
    expect(await cardBalance()).toBe(before - 60);
    const shopNo = (await liveHub().store.member((await liveHub().store.voucher(voucherIdOf(code)))!.memberId))!.shopNo;
    await liveHub().close();
    hub = undefined;
    await until(() => !kiosks.A.app.sync.connected && !kiosks.B.app.sync.connected, 'kiosks to notice the hub is gone');

    const atA = await kiosks.A.app.ui.redeemReward({ voucherCode: code });
    expect(atA).toMatchObject({ rewardLabel: '5 zł off', instruction: { kind: 'discountAmount', amount: { amount: 500, currency: 'PLN' } } });
    kiosks.B.app.scanners.virtual!.scan(code);
    await until(() => kiosks.B.app.store.voucherRedemption({ voucherId: voucherIdOf(code) }) !== undefined, 'kiosk B to redeem offline');
    expect(kiosks.B.app.store.voucherRedemption({ voucherId: voucherIdOf(code) })).toMatchObject({ via: 'offline' });

    hub = await testHub(tmp.dir, { port });
    await until(() => kiosks.A.app.store.pendingOutbox(10).length === 0 && kiosks.B.app.store.pendingOutbox(10).length === 0, 'both outboxes to drain', 40_000);
    const voucher = await liveHub().store.voucher(voucherIdOf(code));
    expect(voucher?.status).toBe('redeemed');
    const conflicts = (await liveHub().store.voucherConflicts(shopNo)).filter((c) => c.voucherId === voucherIdOf(code));
    expect(conflicts).toHaveLength(1);
    const kioskNames = [voucher!.redemption!.kioskName, conflicts[0]!.kiosk.name].sort();
    expect(kioskNames).toEqual(['Till A', 'Till B']);
    expect(conflicts[0]).toMatchObject({ first: { kiosk: { name: voucher!.redemption!.kioskName } }, member: { name: 'Anna' } });
    // The points were held once, at issue: neither redemption debited them again.
    expect(await cardBalance()).toBe(before - 60);
  });

  it('till API: GET tells the reward, cost and discount; POST redeems once, a retry answers the same, another voucher under the same id is 409', async () => {
    await until(() => kiosks.A.app.sync.connected, 'kiosk A back online', 40_000);
    const sale = await till(kiosks.A.app, 'POST', '/v1/sales', { tillSaleId: 'A-3', total: { amount: 20000, currency: 'PLN' } });
    expect((await phone.post(sale.json.claimUrl as string, { mode: 'member' })).status).toBe(303);
    const first = await voucherFromPhone();
    const second = await voucherFromPhone();

    const got = await till(kiosks.A.app, 'GET', `/v1/vouchers/${first}`);
    expect(got.status).toBe(200);
    expect(got.json).toMatchObject({
      status: 'valid',
      reward: { id: 'five-zl', name: '5 zł off' },
      cost: { points: 60, stamps: 0 },
      discount: { amount: 500, currency: 'PLN' },
      percentOff: null,
      handOver: null,
      redeemed: null,
    });

    const redeemed = await till(kiosks.A.app, 'POST', `/v1/vouchers/${first}/redeem`, { redemptionId: 'T-1' });
    expect(redeemed.status).toBe(201);
    expect(redeemed.json).toMatchObject({ redemptionId: 'T-1', via: 'hub', voucher: { status: 'redeemed', redeemed: { where: 'Till A' } } });
    const retry = await till(kiosks.A.app, 'POST', `/v1/vouchers/${first}/redeem`, { redemptionId: 'T-1' });
    expect(retry.status).toBe(200);
    expect(retry.json).toEqual(redeemed.json);
    const reused = await till(kiosks.A.app, 'POST', `/v1/vouchers/${second}/redeem`, { redemptionId: 'T-1' });
    expect(reused.status).toBe(409);
    expect((await till(kiosks.A.app, 'GET', `/v1/vouchers/${second}`)).json).toMatchObject({ status: 'valid' });
    // Another till id for the first voucher at kiosk B: the hub says where it went.
    const elsewhere = await till(kiosks.B.app, 'POST', `/v1/vouchers/${first}/redeem`, { redemptionId: 'T-9' });
    expect(elsewhere.status).toBe(409);
    expect(elsewhere.json).toMatchObject({ error: { code: 'conflict', message: expect.stringMatching(/already redeemed at Till A/) } });

    const openapi = (await till(kiosks.A.app, 'GET', '/v1/openapi.json')).json as { paths: Record<string, unknown> };
    expect(Object.keys(openapi.paths)).toEqual(expect.arrayContaining(['/v1/vouchers/{code}', '/v1/vouchers/{code}/redeem']));
  });
});

/** The voucher id inside a code (bytes 5..12 of its signed body, core/tokens). */
function voucherIdOf(code: string): string {
  const decoded = decodeSafeCode(code);
  if (!decoded.ok) throw new Error('not a voucher code');
  return bytesToHex(decoded.payload.subarray(5, 13));
}
