// A virtual printer for development: `npx tsx hardware/printer/virtual-cli.ts [port] [outDir]`
// listens like a network printer (default port 9100 on 127.0.0.1) and writes every receipt it
// receives as an SVG picture and a text file into outDir (default $TMPDIR/virtual-printer).
import { mkdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { VirtualPrinter } from './virtual-printer';

const port = Number(process.argv[2] ?? 9100);
const outDir = resolve(process.argv[3] ?? join(tmpdir(), 'virtual-printer'));
mkdirSync(outDir, { recursive: true });
const printer = new VirtualPrinter();
printer.on('receipt', (receipt) => {
  const n = String(printer.receipts.length).padStart(4, '0');
  writeFileSync(join(outDir, `receipt-${n}.svg`), printer.svg() ?? '');
  writeFileSync(join(outDir, `receipt-${n}.txt`), receipt.lines.join('\n') + '\n');
  console.log(`receipt ${n}: ${receipt.bytes} bytes → ${join(outDir, `receipt-${n}.svg`)}`);
});
const actual = await printer.listen(port);
console.log(`virtual printer listening on 127.0.0.1:${actual}; receipts go to ${outDir}`);
