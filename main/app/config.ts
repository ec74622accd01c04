import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

/** The kiosk's settings from the environment (ARCHITECTURE.md, "Public interfaces"). */
export interface KioskConfig {
  dataDir: string;
  apiHost: string;
  apiPort: number;
  apiToken: string;
  apiTokenGenerated: boolean;
  hubUrl: string | undefined;
  hubPort: number;
  headless: boolean;
  /** KIOSK_PRINTER (JSON, see docs/hardware.md, "Receipt printers"); a virtual printer when absent. */
  printer: unknown;
  /** KIOSK_SCANNERS (JSON, see docs/hardware.md, "Barcode scanners"); a virtual scanner is always there. */
  scanners: unknown;
  /** KIOSK_PASSTHROUGH (JSON, see docs/hardware.md, "Till integration"); off when absent. */
  passthrough: unknown;
  /** KIOSK_FISCAL_TAP (JSON, see docs/hardware.md, "Fiscal tap"); off when absent. */
  fiscalTap?: unknown;
}

function json(name: string, value: string | undefined): unknown {
  if (value === undefined || value.trim() === '') return undefined;
  try {
    return JSON.parse(value) as unknown;
  } catch (error) {
    throw new Error(`${name} must be JSON: ${(error as Error).message}`);
  }
}

function port(name: string, value: string | undefined, fallback: number): number {
  if (value === undefined || value === '') return fallback;
  const parsed = Number(value);
  if (!Number.isInteger(parsed) || parsed < 0 || parsed > 65535) throw new Error(`${name} must be a TCP port number (0-65535), got ${JSON.stringify(value)}`);
  return parsed;
}

/** KIOSK_API_TOKEN, or the one generated at first start and kept in the data dir. */
function apiToken(dataDir: string, fromEnv: string | undefined): { token: string; generated: boolean } {
  if (fromEnv) {
    if (fromEnv.length < 16) throw new Error('KIOSK_API_TOKEN must be at least 16 characters');
    return { token: fromEnv, generated: false };
  }
  const file = join(dataDir, 'api-token');
  if (existsSync(file)) return { token: readFileSync(file, 'utf8').trim(), generated: false };
  const token = randomBytes(24).toString('base64url');
  writeFileSync(file, `${token}\n`, { mode: 0o600 });
  return { token, generated: true };
}

export function loadKioskConfig(env: NodeJS.ProcessEnv = process.env, argv: readonly string[] = process.argv): KioskConfig {
  const dataDir = resolve(env.KIOSK_DATA_DIR || '.kiosk-data');
  mkdirSync(dataDir, { recursive: true });
  const { token, generated } = apiToken(dataDir, env.KIOSK_API_TOKEN);
  return {
    dataDir,
    apiHost: env.KIOSK_API_HOST || '127.0.0.1',
    apiPort: port('KIOSK_API_PORT', env.KIOSK_API_PORT, 7411),
    apiToken: token,
    apiTokenGenerated: generated,
    hubUrl: env.HUB_URL || undefined,
    hubPort: port('HUB_PORT', env.HUB_PORT, 7400),
    headless: argv.includes('--headless'),
    printer: json('KIOSK_PRINTER', env.KIOSK_PRINTER),
    scanners: json('KIOSK_SCANNERS', env.KIOSK_SCANNERS),
    passthrough: json('KIOSK_PASSTHROUGH', env.KIOSK_PASSTHROUGH),
    fiscalTap: json('KIOSK_FISCAL_TAP', env.KIOSK_FISCAL_TAP),
  };
}
