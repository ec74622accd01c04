import { ESLint } from 'eslint';
import tseslint from 'typescript-eslint';
import { describe, expect, it } from 'vitest';

// These snippets are files that do not exist, which no tsconfig holds: lint them without types (the
// layering and clock rules need none).
const eslint = new ESLint({ cwd: process.cwd(), overrideConfig: tseslint.configs.disableTypeChecked });

async function layeringErrors(filePath: string, code: string): Promise<string[]> {
  const [result] = await eslint.lintText(code, { filePath });
  const messages = result?.messages ?? [];
  const fatal = messages.find((m) => m.fatal);
  if (fatal) throw new Error(`${filePath} could not be linted: ${fatal.message}`);
  return messages.filter((m) => /layering|pure|Clock passed in/i.test(m.message)).map((m) => m.message);
}

describe('dependency direction (ARCHITECTURE.md)', () => {
  it.each([
    ['core/money-x.ts', "import { readFileSync } from 'node:fs';\nexport const x = readFileSync;\n"],
    ['core/money-x.ts', "import Database from 'better-sqlite3';\nexport const x = Database;\n"],
    ['core/money-x.ts', "import { store } from '../main/store';\nexport const x = store;\n"],
    ['core/ledger/x.ts', "import { printer } from '../../hardware/printer';\nexport const x = printer;\n"],
    ['core/x-time.ts', 'export const now = (): number => Date.now();\n'],
    ['main/x.ts', 'export const now = (): Date => new Date();\n'],
    ['cloud/x.ts', 'export const now = (): number => Date.now();\n'],
    ['hardware/x.ts', 'export const now = Date.now;\n'],
    ['renderer/x.ts', "import { ipcRenderer } from 'electron';\nexport const x = ipcRenderer;\n"],
    ['renderer/x.ts', "import fs from 'fs';\nexport const x = fs;\n"],
    ['renderer/x.ts', "import { store } from '../main/store';\nexport const x = store;\n"],
    ['hardware/x.ts', "import { store } from '../main/store';\nexport const x = store;\n"],
    ['cloud/x.ts', "import { printer } from '../hardware/printer';\nexport const x = printer;\n"],
    ['preload/x.ts', "import { store } from '../main/store';\nexport const x = store;\n"],
  ])('refuses a bad import in %s', async (file, code) => {
    expect(await layeringErrors(file, code)).not.toEqual([]);
  });

  it.each([
    ['main/x.ts', "import { moneySchema } from '../core/money';\nexport const x = moneySchema;\n"],
    ['hardware/x.ts', "import { moneySchema } from '../core/money';\nexport const x = moneySchema;\n"],
    ['cloud/x.ts', "import { moneySchema } from '../core/money';\nexport const x = moneySchema;\n"],
    ['core/x.ts', "import { z } from 'zod';\nexport const x = z;\n"],
    ['core/clock.ts', 'export const systemClock = (): Date => new Date();\n'],
    ['main/x.ts', 'export const at = (iso: string): Date => new Date(iso);\n'],
  ])('allows a good import in %s', async (file, code) => {
    expect(await layeringErrors(file, code)).toEqual([]);
  });
});
