// Printer bench: encode time of a 20-line receipt with our encoder, and the same receipt through
// receiptline (a well-known open-source ESC/POS library) in the same run, with the ratio. Also the
// QR cost both ways at a serial printer's usual 38,400 bps.
import receiptline from 'receiptline';
import { buildReceiptDocument, formatReceiptMoney, type ReceiptInput } from '../../core/receipt/document';
import { encodeReceipt, qrCost } from '../../hardware/printer/escpos';
import { resolveProfile } from '../../hardware/printer/profiles';
import { fmt, opsPerSecond } from './stats';

const claim = 'HTTPS://HUB.EXAMPLE.PL/C/ABCDEFGHJKLMNPQRABCDEFGH';
const names = [
  'Kawa zbożowa',
  'Pączek z różą',
  'Drożdżówka',
  'Herbata źródlana',
  'Bułka żytnia',
  'Sernik łódzki',
  'Chałka',
  'Rogal świętomarciński',
  'Sok jabłkowy',
  'Ciasto drożdżowe',
];
const items = Array.from({ length: 20 }, (_, i) => ({
  name: `${names[i % names.length]} ${i + 1}`,
  amount: { amount: 350 + i * 45, currency: 'PLN' as const },
}));
const total = { amount: items.reduce((s, i) => s + i.amount.amount, 0), currency: 'PLN' as const };

const input: ReceiptInput = {
  locale: 'pl',
  shop: { name: 'Kawiarnia Źródło', lines: ['ul. Żółkiewskiego 12, Łódź'] },
  saleId: 'A-1001',
  at: '2026-11-24T09:15:00Z',
  items,
  total,
  earned: [
    { points: 18, label: 'Zakup' },
    { points: 18, label: 'x2 wtorek' },
  ],
  member: {
    balance: { points: 140 },
    progress: { rewardId: 'darmowa-kawa', rewardName: 'darmowa kawa', unit: 'points', cost: 200, remaining: 60, ready: false },
  },
  claim: { payload: claim, validUntil: '2026-12-01T09:15:00Z' },
};

/** The same receipt in ReceiptLine markdown. */
function receiptlineDoc(): string {
  const escape = (s: string) => s.replace(/[\\|{}~_"`^]/g, (c) => `\\${c}`);
  return [
    '^^Kawiarnia Źródło',
    'ul. Żółkiewskiego 12, Łódź',
    '---',
    `Sprzedaż A-1001 | 24.11.2026, 10:15`,
    '---',
    ...items.map((i) => `${escape(i.name)} | ${formatReceiptMoney(i.amount, 'pl')}`),
    '---',
    `"Suma | "${formatReceiptMoney(total, 'pl')}`,
    '---',
    '"Punkty lojalnościowe',
    'Zakup | +18',
    'x2 wtorek | +18',
    '"Zdobyte | "+36',
    '"Saldo | "140 punktów',
    'Jeszcze 60 punktów do: darmowa kawa',
    '',
    '"Zeskanuj, aby odebrać punkty',
    `{code:${claim}; option:qrcode,6,m}`,
    'Ważne do 01.12.2026',
    '',
    'Dziękujemy za wizytę!',
    '=',
  ].join('\n');
}

export async function run(): Promise<void> {
  const profile = resolveProfile('epson-tm-t20', 80);
  const doc = buildReceiptDocument(input);
  const ours = encodeReceipt(doc, profile);
  const rlDoc = receiptlineDoc();
  const rlOptions = { command: 'escpos', cpl: 48, encoding: 'multilingual' } as const;
  const theirs = receiptline.transform(rlDoc, rlOptions);

  const oursBuild = opsPerSecond(() => encodeReceipt(buildReceiptDocument(input), profile), 1500);
  const oursEncode = opsPerSecond(() => encodeReceipt(doc, profile), 1500);
  const rl = opsPerSecond(() => receiptline.transform(rlDoc, rlOptions), 1500);
  console.log(`20-line receipt, 80 mm / 48 columns, native QR, CP852 (${ours.length} bytes; receiptline ${theirs.length} bytes)`);
  console.log(`  ours, document + encode : ${fmt(oursBuild, 0)} receipts/s  (${fmt(1000 / oursBuild, 3)} ms each)`);
  console.log(`  ours, encode only       : ${fmt(oursEncode, 0)} receipts/s  (${fmt(1000 / oursEncode, 3)} ms each)`);
  console.log(`  receiptline.transform   : ${fmt(rl, 0)} receipts/s  (${fmt(1000 / rl, 3)} ms each)`);
  console.log(`  ratio ours(document+encode)/receiptline: ${fmt(oursBuild / rl, 2)}x`);

  for (const [id, paper] of [
    ['clone-58', 58],
    ['epson-tm-t20', 80],
  ] as const) {
    const p = resolveProfile(id, paper);
    const c = qrCost(claim, p, 38400);
    console.log(
      `QR on ${id} (${paper} mm) at 38,400 bps: native ${c.nativeBytes} B ≈ ${fmt(c.nativeMs, 1)} ms, raster ${c.rasterBytes} B ≈ ${fmt(c.rasterMs, 0)} ms; chosen: ${c.chosen}`,
    );
  }
}
