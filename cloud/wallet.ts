import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, constants as h2 } from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import type { Kysely, Migration } from 'kysely';
import { PKPass } from 'passkit-generator';
import { memberCodeFor } from '../core/codes';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import type { Locale } from '../core/i18n/locales';
import { cardIconPng } from './card-icon';
import type { HubDatabase } from './store-schema';

/**
 * The member card in Apple Wallet and Google Wallet, for a shop whose owner configured either
 * (docs/card.md): a signed `.pkpass` (passkit-generator) with the balance and the member QR, the
 * PassKit web service that keeps it up to date on the phone, a push adapter for Apple's
 * notification service, and a signed "Save to Google Wallet" link. Without configuration none of
 * this is offered.
 */

// ---- configuration ---------------------------------------------------------------------------

export interface AppleWalletConfig {
  /** The Pass Type ID registered at Apple (pass.com.example.loyalty): the pass's passTypeIdentifier and the APNs topic. */
  passTypeId: string;
  teamId: string;
  /** PEM texts: the Pass Type ID certificate and its key, and Apple's WWDR intermediate certificate. */
  signerCert: string;
  signerKey: string;
  signerKeyPassphrase?: string | undefined;
  wwdr: string;
}

export interface GoogleWalletConfig {
  issuerId: string;
  /** The loyalty class the owner created in the Google Pay & Wallet console (`<issuerId>.<suffix>`). */
  classId: string;
  /** From the service account's JSON key: its e-mail and its PEM private key (RS256). */
  serviceAccountEmail: string;
  privateKey: string;
}

export interface WalletConfig {
  apple?: AppleWalletConfig | undefined;
  google?: GoogleWalletConfig | undefined;
  /** Where pass updates are pushed (Apple); default: APNs with the pass certificate (apnsPusher). */
  pusher?: PassPusher | undefined;
}

/**
 * The wallet configuration from the hub's environment (cloud/start.ts). A wallet is configured by
 * all of its variables or none; some but not all is refused with the names of those missing.
 */
export function walletConfigFromEnv(env: NodeJS.ProcessEnv, read: (path: string) => string = (p) => readFileSync(p, 'utf8')): WalletConfig {
  const value = (name: string): string | undefined => (env[name] ?? '').trim() || undefined;
  const group = (names: string[]): boolean => {
    const missing = names.filter((n) => value(n) === undefined);
    if (missing.length === names.length) return false;
    if (missing.length > 0)
      throw new Error(`wallet configuration incomplete: set ${missing.join(', ')} too (or unset ${names.filter((n) => !missing.includes(n)).join(', ')})`);
    return true;
  };
  const config: WalletConfig = {};
  if (group(['WALLET_APPLE_PASS_TYPE_ID', 'WALLET_APPLE_TEAM_ID', 'WALLET_APPLE_CERT', 'WALLET_APPLE_KEY', 'WALLET_APPLE_WWDR'])) {
    config.apple = {
      passTypeId: value('WALLET_APPLE_PASS_TYPE_ID')!,
      teamId: value('WALLET_APPLE_TEAM_ID')!,
      signerCert: read(value('WALLET_APPLE_CERT')!),
      signerKey: read(value('WALLET_APPLE_KEY')!),
      signerKeyPassphrase: value('WALLET_APPLE_KEY_PASSPHRASE'),
      wwdr: read(value('WALLET_APPLE_WWDR')!),
    };
  }
  if (group(['WALLET_GOOGLE_ISSUER_ID', 'WALLET_GOOGLE_KEY_FILE'])) {
    const issuerId = value('WALLET_GOOGLE_ISSUER_ID')!;
    const key = JSON.parse(read(value('WALLET_GOOGLE_KEY_FILE')!)) as { client_email?: unknown; private_key?: unknown };
    if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
      throw new Error('WALLET_GOOGLE_KEY_FILE: not a service account key (a JSON file with client_email and private_key)');
    }
    config.google = {
      issuerId,
      classId: value('WALLET_GOOGLE_CLASS_ID') ?? `${issuerId}.loyalty`,
      serviceAccountEmail: key.client_email,
      privateKey: key.private_key,
    };
  }
  return config;
}

// ---- storage (migration 0016) ------------------------------------------------------------------

/** This module's part of the hub's one schema (joined in store-schema.ts HubDatabase). */
export interface WalletTables {
  /** One Apple pass per member; `points`/`stamps` as last put on it, `updated_at` the tag the web service compares. */
  wallet_passes: { serial: string; shop_no: number; member_id: string; points: number; stamps: number; created_at: string; updated_at: string };
  /** A device that added the pass and its push token (the PassKit web service's registrations). */
  wallet_registrations: { device_id: string; serial: string; push_token: string; created_at: string };
}

export const walletMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('wallet_passes')
      .addColumn('serial', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull().unique())
      .addColumn('points', 'integer', (c) => c.notNull())
      .addColumn('stamps', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .execute();
    await db.schema
      .createTable('wallet_registrations')
      .addColumn('device_id', 'text', (c) => c.notNull())
      .addColumn('serial', 'text', (c) => c.notNull())
      .addColumn('push_token', 'text', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addPrimaryKeyConstraint('wallet_registrations_pk', ['device_id', 'serial'])
      .execute();
    await db.schema.createIndex('wallet_registrations_serial').on('wallet_registrations').column('serial').execute();
  },
};

// ---- pushing updates to Apple ------------------------------------------------------------------

/** Tells a device that a pass changed; the device then asks the web service for it. */
export interface PassPusher {
  push(pushToken: string, passTypeId: string): Promise<void>;
}

/**
 * Apple's notification service for pass updates: an HTTP/2 POST to /3/device/<push token> with
 * `apns-topic` = the Pass Type ID and an empty JSON payload, over TLS with the pass certificate as
 * the client certificate. `url` and `ca` let a test point it at a local stand-in.
 */
export function apnsPusher(options: { cert: string; key: string; passphrase?: string | undefined; url?: string; ca?: string }): PassPusher {
  const url = options.url ?? 'https://api.push.apple.com';
  return {
    push: (pushToken, passTypeId) =>
      new Promise<void>((resolve, reject) => {
        const session = connect(url, { cert: options.cert, key: options.key, passphrase: options.passphrase, ...(options.ca ? { ca: options.ca } : {}) });
        session.on('error', reject);
        const request = session.request({
          [h2.HTTP2_HEADER_METHOD]: 'POST',
          [h2.HTTP2_HEADER_PATH]: `/3/device/${encodeURIComponent(pushToken)}`,
          'apns-topic': passTypeId,
          'content-type': 'application/json',
        });
        let status = 0;
        let body = '';
        request.on('response', (headers) => (status = Number(headers[h2.HTTP2_HEADER_STATUS])));
        request.setEncoding('utf8');
        request.on('data', (chunk: string) => (body += chunk));
        request.on('end', () => {
          session.close();
          if (status === 200) resolve();
          else reject(new Error(`APNs answered ${status} for push token ${pushToken.slice(0, 8)}…: ${body}`));
        });
        request.on('error', (error) => {
          session.close();
          reject(error);
        });
        request.end('{}');
      }),
  };
}

// ---- the passes ------------------------------------------------------------------------------

export interface PassMember {
  id: string;
  no: number;
  name: string | null;
}
export interface PassBalance {
  points: number;
  stamps: number;
}

/** What is drawn on a pass: the same in the .pkpass and the Google object. */
interface PassFace {
  shopName: string;
  member: PassMember;
  balance: PassBalance;
  locale: Locale;
}

/** The pass.json of a member's Apple pass (a store card). */
export function applePassJson(apple: AppleWalletConfig, face: PassFace, pass: { serial: string; authenticationToken: string; webServiceURL: string }) {
  const L = face.locale;
  const code = memberCodeFor(face.member.no);
  return {
    formatVersion: 1,
    passTypeIdentifier: apple.passTypeId,
    teamIdentifier: apple.teamId,
    serialNumber: pass.serial,
    organizationName: face.shopName,
    description: formatMessage(claimMessages, L, 'cardTitle', { shop: face.shopName }),
    logoText: face.shopName,
    foregroundColor: 'rgb(255, 255, 255)',
    backgroundColor: 'rgb(31, 111, 74)',
    labelColor: 'rgb(220, 240, 228)',
    webServiceURL: pass.webServiceURL,
    authenticationToken: pass.authenticationToken,
    storeCard: {
      primaryFields: [{ key: 'points', label: formatMessage(claimMessages, L, 'balance'), value: face.balance.points, changeMessage: '%@' }],
      secondaryFields: [
        { key: 'stamps', label: formatMessage(claimMessages, L, 'stampsLabel'), value: face.balance.stamps },
        ...(face.member.name ? [{ key: 'member', label: formatMessage(claimMessages, L, 'walletMember'), value: face.member.name }] : []),
      ],
      backFields: [{ key: 'hint', label: face.shopName, value: formatMessage(claimMessages, L, 'memberQrHint') }],
    },
    // The message is the member code the staff scanner takes (core/codes.ts), as on the card page.
    barcodes: [{ format: 'PKBarcodeFormatQR', message: code, messageEncoding: 'iso-8859-1', altText: code }],
  };
}

/** The Google Wallet loyalty object of a member (Google Wallet API: LoyaltyObject). */
export function googleLoyaltyObject(google: GoogleWalletConfig, face: PassFace) {
  const code = memberCodeFor(face.member.no);
  return {
    // Object ids are `<issuerId>.<unique suffix>` (letters, digits, '.', '_', '-').
    id: `${google.issuerId}.member-${face.member.id.replace(/[^A-Za-z0-9._-]/g, '_')}`,
    classId: google.classId,
    state: 'ACTIVE',
    accountId: code,
    accountName: face.member.name ?? code,
    loyaltyPoints: { label: formatMessage(claimMessages, face.locale, 'balance'), balance: { int: face.balance.points } },
    secondaryLoyaltyPoints: { label: formatMessage(claimMessages, face.locale, 'stampsLabel'), balance: { int: face.balance.stamps } },
    barcode: { type: 'QR_CODE', value: code, alternateText: code },
  };
}

export interface WalletDeps {
  db: Kysely<HubDatabase>;
  config: WalletConfig;
  /** A key of the hub's own (settings), for the passes' authentication tokens. */
  secret: string;
  shopNo: number;
  shopName: () => Promise<string>;
  publicUrl: () => string;
  member: (id: string) => Promise<PassMember | undefined>;
  balance: (member: PassMember) => Promise<PassBalance>;
  now: () => Date;
  log: (line: string) => void;
}

/** The hub's wallets: building passes, the PassKit registrations, and updating passes when a balance changes. */
export class Wallet {
  readonly pusher: PassPusher | undefined;
  private cursor = -1;
  private refreshing = false;

  constructor(private readonly deps: WalletDeps) {
    const apple = deps.config.apple;
    this.pusher =
      deps.config.pusher ?? (apple ? apnsPusher({ cert: apple.signerCert, key: apple.signerKey, passphrase: apple.signerKeyPassphrase }) : undefined);
  }

  get apple(): AppleWalletConfig | undefined {
    return this.deps.config.apple;
  }
  get google(): GoogleWalletConfig | undefined {
    return this.deps.config.google;
  }

  /** The pass's authentication token: derived from the serial with the hub's key, so nothing secret is stored with it. */
  authToken(serial: string): string {
    return createHmac('sha256', this.deps.secret).update(`wallet-pass:${serial}`).digest('base64url');
  }

  /** true when `header` is "ApplePass <the token of serial>". */
  authorized(serial: string, header: string | undefined): boolean {
    const given = Buffer.from(/^ApplePass (.+)$/.exec(header ?? '')?.[1] ?? '');
    const expected = Buffer.from(this.authToken(serial));
    return given.length === expected.length && timingSafeEqual(given, expected);
  }

  /** The member's pass row, made at the first download (its serial then stays). */
  async passOf(member: PassMember): Promise<WalletTables['wallet_passes']> {
    const db = this.deps.db;
    const known = await db.selectFrom('wallet_passes').selectAll().where('member_id', '=', member.id).executeTakeFirst();
    if (known) return known;
    const balance = await this.deps.balance(member);
    const at = this.deps.now().toISOString();
    const serial = createHmac('sha256', this.deps.secret).update(`wallet-serial:${member.id}`).digest('hex').slice(0, 32);
    await db
      .insertInto('wallet_passes')
      .values({ serial, shop_no: this.deps.shopNo, member_id: member.id, points: balance.points, stamps: balance.stamps, created_at: at, updated_at: at })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return await db.selectFrom('wallet_passes').selectAll().where('member_id', '=', member.id).executeTakeFirstOrThrow();
  }

  async passBySerial(serial: string): Promise<WalletTables['wallet_passes'] | undefined> {
    return this.deps.db.selectFrom('wallet_passes').selectAll().where('serial', '=', serial).executeTakeFirst();
  }

  /** The signed .pkpass of the member's pass as it is now. */
  async pkpass(member: PassMember, locale: Locale): Promise<{ body: Buffer; updatedAt: string }> {
    const apple = this.deps.config.apple;
    if (!apple) throw new Error('Apple Wallet is not configured');
    const row = await this.passOf(member);
    const face: PassFace = { shopName: await this.deps.shopName(), member, balance: await this.deps.balance(member), locale };
    const json = applePassJson(apple, face, {
      serial: row.serial,
      authenticationToken: this.authToken(row.serial),
      webServiceURL: `${this.deps.publicUrl()}/wallet/apple`,
    });
    const icon = cardIconPng(29);
    const pass = new PKPass(
      {
        'pass.json': Buffer.from(JSON.stringify(json)),
        'icon.png': icon,
        'icon@2x.png': cardIconPng(58),
        'icon@3x.png': cardIconPng(87),
        'logo.png': cardIconPng(50),
        'logo@2x.png': cardIconPng(100),
      },
      {
        wwdr: apple.wwdr,
        signerCert: apple.signerCert,
        signerKey: apple.signerKey,
        ...(apple.signerKeyPassphrase ? { signerKeyPassphrase: apple.signerKeyPassphrase } : {}),
      },
    );
    if (pass.type !== 'storeCard') throw new Error('pass.json refused by passkit-generator');
    return { body: pass.getAsBuffer(), updatedAt: row.updated_at };
  }

  /** https://pay.google.com/gp/v/save/<JWT>: the member's loyalty object signed with the service account's key (RS256). */
  async googleSaveUrl(member: PassMember, locale: Locale): Promise<string> {
    const google = this.deps.config.google;
    if (!google) throw new Error('Google Wallet is not configured');
    const face: PassFace = { shopName: await this.deps.shopName(), member, balance: await this.deps.balance(member), locale };
    const key = await importPKCS8(google.privateKey, 'RS256');
    const jwt = await new SignJWT({
      typ: 'savetowallet',
      origins: [this.deps.publicUrl()],
      payload: { loyaltyObjects: [googleLoyaltyObject(google, face)] },
    })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(google.serviceAccountEmail)
      .setAudience('google')
      .setIssuedAt(Math.floor(this.deps.now().getTime() / 1000))
      .sign(key);
    return `https://pay.google.com/gp/v/save/${jwt}`;
  }

  // ---- the PassKit web service's registrations ----

  /** true when the device was registered now, false when it already was. */
  async register(deviceId: string, serial: string, pushToken: string): Promise<boolean> {
    const db = this.deps.db;
    const known = await db
      .selectFrom('wallet_registrations')
      .select('push_token')
      .where('device_id', '=', deviceId)
      .where('serial', '=', serial)
      .executeTakeFirst();
    if (known) {
      if (known.push_token !== pushToken)
        await db.updateTable('wallet_registrations').set({ push_token: pushToken }).where('device_id', '=', deviceId).where('serial', '=', serial).execute();
      return false;
    }
    await db
      .insertInto('wallet_registrations')
      .values({ device_id: deviceId, serial, push_token: pushToken, created_at: this.deps.now().toISOString() })
      .onConflict((oc) => oc.doNothing())
      .execute();
    return true;
  }

  async unregister(deviceId: string, serial: string): Promise<void> {
    await this.deps.db.deleteFrom('wallet_registrations').where('device_id', '=', deviceId).where('serial', '=', serial).execute();
  }

  /** The device's passes updated after `since` (a tag this service gave before), and the new tag. */
  async updatedFor(deviceId: string, since: string | undefined): Promise<{ serialNumbers: string[]; lastUpdated: string } | undefined> {
    let query = this.deps.db
      .selectFrom('wallet_registrations as r')
      .innerJoin('wallet_passes as p', 'p.serial', 'r.serial')
      .select(['p.serial', 'p.updated_at'])
      .where('r.device_id', '=', deviceId);
    if (since) query = query.where('p.updated_at', '>', since);
    const rows = await query.execute();
    if (rows.length === 0) return undefined;
    return {
      serialNumbers: rows.map((r) => r.serial),
      lastUpdated: rows
        .map((r) => r.updated_at)
        .sort()
        .at(-1)!,
    };
  }

  // ---- balance changes ----

  /**
   * Puts the balance on the passes of members whose balance changed up to member_changes `newest`
   * since the last call (all passes on the first), marks them updated, and pushes to their devices. Every writer of
   * balances appends to member_changes, so reading past a cursor catches them all; the update is
   * conditional on the old figures, so of two hub nodes only one pushes.
   */
  async refreshChanged(newest: number): Promise<number> {
    if (!this.deps.config.apple || this.refreshing || newest <= this.cursor) return 0;
    this.refreshing = true;
    try {
      const db = this.deps.db;
      const passes =
        this.cursor < 0
          ? await db.selectFrom('wallet_passes').selectAll().where('shop_no', '=', this.deps.shopNo).execute()
          : await db
              .selectFrom('wallet_passes')
              .selectAll()
              .where('member_id', 'in', db.selectFrom('member_changes').select('member_id').where('seq', '>', this.cursor).where('seq', '<=', newest))
              .execute();
      let updated = 0;
      for (const pass of passes) if (await this.refreshPass(pass)) updated++;
      // Moved on only once done: a refresh that failed half-way is run again at the next check.
      this.cursor = newest;
      return updated;
    } finally {
      this.refreshing = false;
    }
  }

  private async refreshPass(pass: WalletTables['wallet_passes']): Promise<boolean> {
    const member = await this.deps.member(pass.member_id);
    if (!member) return false;
    const balance = await this.deps.balance(member);
    if (balance.points === pass.points && balance.stamps === pass.stamps) return false;
    const db = this.deps.db;
    // A tag strictly after the pass's last one, even when the clock reads the same millisecond.
    const now = this.deps.now().toISOString();
    const at = now > pass.updated_at ? now : new Date(new Date(pass.updated_at).getTime() + 1).toISOString();
    const result = await db
      .updateTable('wallet_passes')
      .set({ points: balance.points, stamps: balance.stamps, updated_at: at })
      .where('serial', '=', pass.serial)
      .where('points', '=', pass.points)
      .where('stamps', '=', pass.stamps)
      .executeTakeFirst();
    if (Number(result.numUpdatedRows) === 0) return false;
    const devices = await db.selectFrom('wallet_registrations').select('push_token').where('serial', '=', pass.serial).execute();
    const apple = this.deps.config.apple!;
    for (const device of devices) {
      await this.pusher
        ?.push(device.push_token, apple.passTypeId)
        .catch((error: unknown) => this.deps.log(`wallet: push for pass ${pass.serial} failed: ${String(error)}`));
    }
    this.deps.log(`wallet: pass ${pass.serial} now ${balance.points} points / ${balance.stamps} stamps, ${devices.length} devices told`);
    return true;
  }
}
