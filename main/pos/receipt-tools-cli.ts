// Setup tools for the till passthrough and the receipt printer, run on the kiosk from a terminal
// (same KIOSK_PRINTER / KIOSK_PASSTHROUGH settings as the kiosk):
//
//   npx tsx main/pos/receipt-tools-cli.ts preview <receipt.txt|receipt.bin> [--currency PLN]
//       what the passthrough takes the printout for and what each total pattern reads from it
//   npx tsx main/pos/receipt-tools-cli.ts codepage-test [--pages cp852,windows1250] [--numbers 0-59] [--out page.bin]
//       prints the code-page test page on KIOSK_PRINTER (stop the kiosk first: many printers take
//       one connection), or writes its bytes to a file
import { readFileSync, writeFileSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { currencyCodeSchema } from '../../core/money';
import { candidates, codePageTestPage, parseNumbers } from '../../hardware/printer/codepage-test';
import { printerConfigSchema, printerTransportFor, resolveProfile } from '../../hardware/printer';
import { CODE_PAGES, type CodePage } from '../../hardware/printer/profiles';
import { previewReceipt, receiptLines } from './receipt-tools';

const { positionals, values } = parseArgs({
  allowPositionals: true,
  options: { currency: { type: 'string' }, pages: { type: 'string' }, numbers: { type: 'string' }, out: { type: 'string' } },
});
const [command, file] = positionals;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

/** The kiosk's own JSON settings from the environment (read only: this tool writes no kiosk data). */
function settings(name: 'KIOSK_PRINTER' | 'KIOSK_PASSTHROUGH'): unknown {
  const value = process.env[name];
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    return fail(`${name} must be JSON: ${(error as Error).message}`);
  }
}

try {
  const config = { printer: settings('KIOSK_PRINTER'), passthrough: settings('KIOSK_PASSTHROUGH') };
  if (command === 'preview') {
    if (!file) fail('usage: receipt-tools-cli.ts preview <receipt.txt|receipt.bin> [--currency PLN]');
    const currency = values.currency === undefined ? undefined : currencyCodeSchema.parse(values.currency);
    console.log(previewReceipt(receiptLines(readFileSync(file)), config.passthrough, currency));
  } else if (command === 'codepage-test') {
    if (config.printer === undefined && values.out === undefined) fail('KIOSK_PRINTER is not set: set it as for the kiosk, or pass --out page.bin');
    const printer = printerConfigSchema.parse(config.printer ?? { model: 'clone-58', paper: 58, connection: { kind: 'usb-file', path: '/dev/null' } });
    const profile = resolveProfile(printer.model, printer.paper, printer.overrides);
    const pages = (values.pages ?? profile.codePage).split(',').map((p) => p.trim());
    for (const page of pages) if (!(CODE_PAGES as readonly string[]).includes(page)) fail(`--pages: "${page}" is not one of ${CODE_PAGES.join(', ')}`);
    const bytes = codePageTestPage(profile, candidates(pages as CodePage[], parseNumbers(values.numbers ?? '0-59')));
    if (values.out !== undefined) {
      writeFileSync(values.out, bytes);
      console.log(`code-page test page: ${bytes.length} bytes → ${values.out}`);
    } else {
      const transport = printerTransportFor(printer, profile);
      await transport.open();
      await transport.write(bytes, 10_000);
      await transport.close();
      console.log(`code-page test page sent to ${transport.address}`);
    }
  } else {
    fail('usage: receipt-tools-cli.ts preview <file> | codepage-test [--pages …] [--numbers 0-59] [--out page.bin]');
  }
} catch (error) {
  if (error instanceof z.ZodError) fail(`settings refused: ${error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  fail(error instanceof Error ? error.message : String(error));
}
