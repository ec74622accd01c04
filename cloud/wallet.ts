import { createHmac, timingSafeEqual } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { connect, constants as h2 } from 'node:http2';
import { importPKCS8, SignJWT } from 'jose';
import type { Kysely, Migration } from 'kysely';
import { PKPass } from 'passkit-generator';
import { memberCodeFor } from '../core/codes';
import { formatMessage } from '../core/i18n/catalog';
import { claimMessages } from '../core/i18n/claim';
import { isLocale, type Locale } from '../core/i18n/locales';
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
  /** Where the service account's OAuth token is asked for: the key file's `token_uri` (default Google's). */
  tokenUrl?: string | undefined;
  /** The Google Wallet REST API's base (WALLET_GOOGLE_API_URL; default https://walletobjects.googleapis.com). */
  apiUrl?: string | undefined;
}

/** How balance changes reach Google Wallet objects: gathered for `debounceMs`, sent every `pollMs`, a failure retried after `baseDelayMs` doubling to `maxDelayMs`. */
export interface GoogleUpdateTiming {
  debounceMs: number;
  pollMs: number;
  baseDelayMs: number;
  maxDelayMs: number;
  /** How long a node holds an object it is updating before another may take it (a node that died). */
  leaseMs: number;
}

export const DEFAULT_GOOGLE_TIMING: GoogleUpdateTiming = { debounceMs: 10_000, pollMs: 5_000, baseDelayMs: 60_000, maxDelayMs: 3_600_000, leaseMs: 60_000 };
export const GOOGLE_WALLET_API = 'https://walletobjects.googleapis.com';
export const GOOGLE_TOKEN_URL = 'https://oauth2.googleapis.com/token';
/** The OAuth scope the Google Wallet API asks of an issuer's service account. */
export const GOOGLE_WALLET_SCOPE = 'https://www.googleapis.com/auth/wallet_object.issuer';

export interface WalletConfig {
  apple?: AppleWalletConfig | undefined;
  google?: GoogleWalletConfig | undefined;
  /** Where pass updates are pushed (Apple); default: APNs with the pass certificate (apnsPusher). */
  pusher?: PassPusher | undefined;
  /** Timing of the Google Wallet object updates (tests shorten it); default DEFAULT_GOOGLE_TIMING. */
  googleTiming?: Partial<GoogleUpdateTiming> | undefined;
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
    // Apple's push service, unless a test (or a relay the owner runs) stands in for it; its CA then
    // is the one the stand-in's TLS certificate chains to.
    const apnsUrl = value('WALLET_APPLE_APNS_URL');
    const apnsCa = value('WALLET_APPLE_APNS_CA');
    if (apnsCa && !apnsUrl) throw new Error('WALLET_APPLE_APNS_CA is only for WALLET_APPLE_APNS_URL: set both or neither');
    if (apnsUrl) {
      if (!/^https:\/\//.test(apnsUrl)) throw new Error(`WALLET_APPLE_APNS_URL must be an https:// address (APNs speaks HTTP/2 over TLS), got ${apnsUrl}`);
      config.pusher = apnsPusher({
        cert: config.apple.signerCert,
        key: config.apple.signerKey,
        passphrase: config.apple.signerKeyPassphrase,
        url: apnsUrl,
        ...(apnsCa ? { ca: read(apnsCa) } : {}),
      });
    }
  }
  if (group(['WALLET_GOOGLE_ISSUER_ID', 'WALLET_GOOGLE_KEY_FILE'])) {
    const issuerId = value('WALLET_GOOGLE_ISSUER_ID')!;
    const key = JSON.parse(read(value('WALLET_GOOGLE_KEY_FILE')!)) as { client_email?: unknown; private_key?: unknown; token_uri?: unknown };
    if (typeof key.client_email !== 'string' || typeof key.private_key !== 'string') {
      throw new Error('WALLET_GOOGLE_KEY_FILE: not a service account key (a JSON file with client_email and private_key)');
    }
    config.google = {
      issuerId,
      classId: value('WALLET_GOOGLE_CLASS_ID') ?? `${issuerId}.loyalty`,
      serviceAccountEmail: key.client_email,
      privateKey: key.private_key,
      tokenUrl: typeof key.token_uri === 'string' ? key.token_uri : GOOGLE_TOKEN_URL,
      apiUrl: value('WALLET_GOOGLE_API_URL') ?? GOOGLE_WALLET_API,
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
  /**
   * A member's Google Wallet object (0022), recorded when the hub signed its save link: `points`/`stamps`
   * as last put on it (the link's or the last PATCH's), the language of its labels, and when an update
   * is due (null: none), how many tries it took so far and why the last failed.
   */
  wallet_google_objects: {
    object_id: string;
    shop_no: number;
    member_id: string;
    locale: string;
    points: number;
    stamps: number;
    created_at: string;
    updated_at: string;
    due_at: string | null;
    attempts: number;
    last_error: string | null;
  };
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

export const walletGoogleMigration: Migration = {
  async up(db: Kysely<unknown>): Promise<void> {
    await db.schema
      .createTable('wallet_google_objects')
      .addColumn('object_id', 'text', (c) => c.primaryKey())
      .addColumn('shop_no', 'integer', (c) => c.notNull())
      .addColumn('member_id', 'text', (c) => c.notNull().unique())
      .addColumn('locale', 'text', (c) => c.notNull())
      .addColumn('points', 'integer', (c) => c.notNull())
      .addColumn('stamps', 'integer', (c) => c.notNull())
      .addColumn('created_at', 'text', (c) => c.notNull())
      .addColumn('updated_at', 'text', (c) => c.notNull())
      .addColumn('due_at', 'text')
      .addColumn('attempts', 'integer', (c) => c.notNull().defaultTo(0))
      .addColumn('last_error', 'text')
      .execute();
    await db.schema.createIndex('wallet_google_objects_due').on('wallet_google_objects').column('due_at').execute();
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
    id: googleObjectId(google, face.member.id),
    classId: google.classId,
    state: 'ACTIVE',
    accountId: code,
    accountName: face.member.name ?? code,
    ...googleBalanceFields(face.balance, face.locale),
    barcode: { type: 'QR_CODE', value: code, alternateText: code },
  };
}

/** The object's id for a member: `<issuerId>.<unique suffix>` (letters, digits, '.', '_', '-'). */
export function googleObjectId(google: GoogleWalletConfig, memberId: string): string {
  return `${google.issuerId}.member-${memberId.replace(/[^A-Za-z0-9._-]/g, '_')}`;
}

/** The balance fields of a LoyaltyObject: the whole body of the PATCH that updates them (patch semantics: other fields stay). */
export function googleBalanceFields(balance: PassBalance, locale: Locale) {
  return {
    loyaltyPoints: { label: formatMessage(claimMessages, locale, 'balance'), balance: { int: balance.points } },
    secondaryLoyaltyPoints: { label: formatMessage(claimMessages, locale, 'stampsLabel'), balance: { int: balance.stamps } },
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
  private readonly timing: GoogleUpdateTiming;
  private googleTimer: NodeJS.Timeout | undefined;
  private updating: Promise<number> | undefined;
  private token: { value: string; until: number } | undefined;

  constructor(private readonly deps: WalletDeps) {
    this.timing = { ...DEFAULT_GOOGLE_TIMING, ...deps.config.googleTiming };
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
    // Recorded so that balance changes reach the object once the member saved it (updateGoogleObjects).
    const at = this.deps.now().toISOString();
    await this.deps.db
      .insertInto('wallet_google_objects')
      .values({
        object_id: googleObjectId(google, member.id),
        shop_no: this.deps.shopNo,
        member_id: member.id,
        locale,
        points: face.balance.points,
        stamps: face.balance.stamps,
        created_at: at,
        updated_at: at,
        due_at: null,
        attempts: 0,
        last_error: null,
      })
      .onConflict((oc) => oc.column('member_id').doNothing())
      .execute();
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
    const { apple, google } = this.deps.config;
    if ((!apple && !google) || this.refreshing || newest <= this.cursor) return 0;
    this.refreshing = true;
    try {
      const db = this.deps.db;
      if (google) await this.markGoogleDue(this.cursor, newest);
      if (!apple) {
        this.cursor = newest;
        return 0;
      }
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

  // ---- Google Wallet objects: balance changes PATCHed, gathered and retried ----

  /**
   * Marks the Google objects of members whose balance changed (member_changes after `after` up to
   * `newest`; all on the first call) as due in `debounceMs`. An object already due keeps its time, so
   * a burst of changes is one update; nothing here waits for Google.
   */
  private async markGoogleDue(after: number, newest: number): Promise<void> {
    const db = this.deps.db;
    const due = new Date(this.deps.now().getTime() + this.timing.debounceMs).toISOString();
    let query = db.updateTable('wallet_google_objects').set({ due_at: due }).where('shop_no', '=', this.deps.shopNo).where('due_at', 'is', null);
    if (after >= 0)
      query = query.where('member_id', 'in', db.selectFrom('member_changes').select('member_id').where('seq', '>', after).where('seq', '<=', newest));
    await query.execute();
  }

  /** Starts the Google updates (every pollMs); the hub calls it when Google Wallet is configured. */
  start(): void {
    if (!this.deps.config.google || this.googleTimer) return;
    this.googleTimer = setInterval(() => {
      void this.updateGoogleObjects().catch((error: unknown) => this.deps.log(`wallet: Google Wallet updates paused (${String(error)}); retrying`));
    }, this.timing.pollMs);
    this.googleTimer.unref();
  }

  async stop(): Promise<void> {
    clearInterval(this.googleTimer);
    this.googleTimer = undefined;
    await this.updating;
  }

  /** Sends the due Google updates now (the timer calls it; tests wait for it). Returns how many objects were updated. */
  async updateGoogleObjects(): Promise<number> {
    if (this.updating) return this.updating;
    this.updating = this.sendDueGoogle().finally(() => {
      this.updating = undefined;
    });
    return this.updating;
  }

  private async sendDueGoogle(): Promise<number> {
    const google = this.deps.config.google;
    if (!google) return 0;
    const db = this.deps.db;
    const now = this.deps.now();
    const due = await db
      .selectFrom('wallet_google_objects')
      .selectAll()
      .where('shop_no', '=', this.deps.shopNo)
      .where('due_at', '<=', now.toISOString())
      .orderBy('due_at')
      .limit(50)
      .execute();
    let updated = 0;
    for (const row of due) {
      // Taken by one node: the due time moves on by a lease only where nobody moved it first.
      const lease = new Date(now.getTime() + this.timing.leaseMs).toISOString();
      const taken = await db
        .updateTable('wallet_google_objects')
        .set({ due_at: lease })
        .where('object_id', '=', row.object_id)
        .where('due_at', '=', row.due_at)
        .executeTakeFirst();
      if (Number(taken.numUpdatedRows) === 0) continue;
      if (await this.updateGoogleObject(google, row)) updated++;
    }
    return updated;
  }

  /** PATCHes one object's balance (when it changed); on failure it is due again later, the reason logged and kept. */
  private async updateGoogleObject(google: GoogleWalletConfig, row: WalletTables['wallet_google_objects']): Promise<boolean> {
    const db = this.deps.db;
    const done = (set: Partial<WalletTables['wallet_google_objects']>) =>
      db
        .updateTable('wallet_google_objects')
        .set({ due_at: null, attempts: 0, last_error: null, ...set })
        .where('object_id', '=', row.object_id)
        .execute();
    const member = await this.deps.member(row.member_id);
    const balance = member ? await this.deps.balance(member) : undefined;
    // Gone, or the same figures as on the object already: nothing to send.
    if (!balance || (balance.points === row.points && balance.stamps === row.stamps)) {
      await done({});
      return false;
    }
    const locale = (isLocale(row.locale) ? row.locale : 'en') satisfies Locale;
    let outcome: 'ok' | 'not-saved';
    try {
      outcome = await this.patchGoogleObject(google, row.object_id, googleBalanceFields(balance, locale));
    } catch (error) {
      const words = error instanceof Error ? error.message : String(error);
      const attempts = row.attempts + 1;
      const delay = Math.min(this.timing.maxDelayMs, this.timing.baseDelayMs * 2 ** (attempts - 1));
      await db
        .updateTable('wallet_google_objects')
        .set({ due_at: new Date(this.deps.now().getTime() + delay).toISOString(), attempts, last_error: words })
        .where('object_id', '=', row.object_id)
        .execute();
      this.deps.log(`wallet: Google Wallet object ${row.object_id} not updated (attempt ${attempts}): ${words}; again in ${Math.round(delay / 1000)} s`);
      return false;
    }
    if (outcome === 'not-saved') {
      // The member opened the save link but never saved the card: nothing to update until a later change.
      await done({});
      this.deps.log(`wallet: Google Wallet object ${row.object_id} is not saved in a wallet yet; nothing to update`);
      return false;
    }
    await done({ points: balance.points, stamps: balance.stamps, updated_at: this.deps.now().toISOString() });
    this.deps.log(`wallet: Google Wallet object ${row.object_id} now ${balance.points} points / ${balance.stamps} stamps`);
    return true;
  }

  /**
   * PATCH {api}/walletobjects/v1/loyaltyObject/{resourceId} with the service account's bearer token
   * (Google Wallet API, patch semantics: only the fields sent change). 404: no such object (never saved).
   */
  private async patchGoogleObject(google: GoogleWalletConfig, objectId: string, body: object): Promise<'ok' | 'not-saved'> {
    const api = (google.apiUrl ?? GOOGLE_WALLET_API).replace(/\/+$/, '');
    const token = await this.googleToken(google);
    const res = await fetch(`${api}/walletobjects/v1/loyaltyObject/${encodeURIComponent(objectId)}`, {
      method: 'PATCH',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json; charset=utf-8' },
      body: JSON.stringify(body),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (res.ok) return 'ok';
    if (res.status === 404) return 'not-saved';
    // A refused token is asked for again next time.
    if (res.status === 401) this.token = undefined;
    throw new Error(`Google Wallet API answered ${res.status} ${res.statusText}: ${googleError(text)}`);
  }

  /**
   * The service account's OAuth access token (RFC 7523 JWT bearer grant to the key's token_uri, scope
   * wallet_object.issuer), kept until a minute before it expires.
   */
  private async googleToken(google: GoogleWalletConfig): Promise<string> {
    const now = this.deps.now().getTime();
    if (this.token && this.token.until > now) return this.token.value;
    const tokenUrl = google.tokenUrl ?? GOOGLE_TOKEN_URL;
    const iat = Math.floor(now / 1000);
    const assertion = await new SignJWT({ scope: GOOGLE_WALLET_SCOPE })
      .setProtectedHeader({ alg: 'RS256', typ: 'JWT' })
      .setIssuer(google.serviceAccountEmail)
      .setAudience(tokenUrl)
      .setIssuedAt(iat)
      .setExpirationTime(iat + 3600)
      .sign(await importPKCS8(google.privateKey, 'RS256'));
    const res = await fetch(tokenUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer', assertion }).toString(),
      signal: AbortSignal.timeout(15_000),
    });
    const text = await res.text();
    if (!res.ok) throw new Error(`Google OAuth token refused (${res.status}): ${googleError(text)}; check WALLET_GOOGLE_KEY_FILE`);
    const answer = JSON.parse(text) as { access_token?: unknown; expires_in?: unknown };
    if (typeof answer.access_token !== 'string') throw new Error('Google OAuth answer without an access_token');
    const seconds = typeof answer.expires_in === 'number' ? answer.expires_in : 3600;
    this.token = { value: answer.access_token, until: now + Math.max(0, seconds - 60) * 1000 };
    return this.token.value;
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

/** Google's error answer ({"error": {"message": …}}) in words, or the start of the body. */
function googleError(body: string): string {
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; error_description?: unknown };
    if (typeof parsed.error === 'object' && typeof parsed.error.message === 'string') return parsed.error.message;
    if (typeof parsed.error_description === 'string') return parsed.error_description;
    if (typeof parsed.error === 'string') return parsed.error;
  } catch {
    // not JSON
  }
  return body.slice(0, 200) || '(empty answer)';
}
