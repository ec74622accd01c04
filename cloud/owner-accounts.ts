import { createHash, createHmac, randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { PostgresAdapter, sql, type Kysely, type Transaction } from 'kysely';
import { Secret, TOTP } from 'otpauth';
import {
  DEFAULT_SCRYPT,
  formatApiKey,
  formatPasswordRecord,
  normaliseAccountName,
  parseApiKey,
  parsePasswordRecord,
  parseSessionCookie,
  passwordWeakness,
  type ScryptParams,
} from '../core/accounts';
import type { HubDatabase } from './store-schema';

/**
 * The back office's accounts (migration 0010): owners and managers with a password (scrypt, its
 * parameters kept with each hash) and optional TOTP; one-time set-up and invitation links; owner
 * sessions as rows (cookie `lk_owner_session` = `o2.<id>`, only HMAC(owner key, id) stored; never the
 * member store, cookie or key); named API keys for scripts, stored hashed. No HTTP here: the hub's
 * routes (cloud/routes/accounts.ts) and its session cookies (cloud/routes/guards.ts HubSessions) call these methods.
 */

export type OwnerRole = 'owner' | 'manager';

/** Who is acting in the back office, however they proved it. */
export interface OwnerPrincipal {
  via: 'cookie' | 'token' | 'api-key';
  role: OwnerRole;
  /** The account's name, `owner-token` for the bootstrap token, `key:<name>` for an API key: the audit log's "who". */
  name: string;
  accountId: string | null;
}

export interface OwnerAccount {
  id: string;
  name: string;
  role: OwnerRole;
  totp: boolean;
  createdAt: string;
}

export interface ApiKeyInfo {
  id: string;
  name: string;
  createdAt: string;
  createdBy: string;
  lastUsedAt: string | null;
}

export type SignInResult =
  { ok: true; account: OwnerAccount } | { ok: false; reason: 'wrong-password' | 'totp-required' | 'totp-wrong'; account?: OwnerAccount };

/** Removing an account or changing its role: refused for an unknown account and for the last owner. */
export type AccountChangeResult = { ok: true; account: OwnerAccount } | { ok: false; reason: 'not-found' | 'last-owner' };

export type AcceptInviteResult =
  { ok: true; account: OwnerAccount } | { ok: false; reason: 'invalid-link' | 'bad-name' | 'name-taken' | 'too-short' | 'too-long' | 'same-as-name' };

/** Set-up and invitation links are valid this long, once. */
export const INVITE_VALID_MS = 24 * 3_600_000;
/** An owner session lasts this long (the cookie's Max-Age too). */
export const OWNER_SESSION_MS = 12 * 3_600_000;

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');

function scryptAsync(password: string, salt: Buffer, params: ScryptParams): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    // Node refuses a cost whose memory passes maxmem (32 MiB by default): give it what the parameters need.
    const maxmem = 128 * params.r * (params.N + params.p + 2) + 1024 * 1024;
    scrypt(password.normalize('NFC'), salt, 32, { N: params.N, r: params.r, p: params.p, maxmem }, (error, key) => (error ? reject(error) : resolve(key)));
  });
}

/** A password record for storage: `scrypt$N=…,r=…,p=…$salt$hash`. */
export async function hashPassword(password: string, params: ScryptParams = DEFAULT_SCRYPT): Promise<string> {
  const salt = randomBytes(16);
  const hash = await scryptAsync(password, salt, params);
  return formatPasswordRecord({ params, salt: salt.toString('base64url'), hash: hash.toString('base64url') });
}

/** Checks a password against a stored record with the record's own parameters; false for a malformed record. */
export async function verifyPassword(password: string, record: string): Promise<boolean> {
  const parsed = parsePasswordRecord(record);
  if (!parsed) return false;
  const expected = Buffer.from(parsed.hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(parsed.salt, 'base64url'), parsed.params);
  return expected.length === actual.length && timingSafeEqual(expected, actual);
}

/** A record nobody's password matches, verified when the name is unknown so that both answers take as long. */
let dummyRecord: Promise<string> | undefined;

export class OwnerAccounts {
  constructor(
    private readonly db: Kysely<HubDatabase>,
    /** The owner cookie key (setting `ownerCookieSecret`): never the member key. */
    private readonly key: string,
    private readonly scryptParams: ScryptParams = DEFAULT_SCRYPT,
    private readonly issuer = 'Loyalty Kiosk',
  ) {}

  private hash(purpose: string, secret: string): string {
    return createHmac('sha256', this.key).update(`${purpose}|${secret}`).digest('hex');
  }

  async hasOwner(): Promise<boolean> {
    return (await this.db.selectFrom('owner_accounts').select('id').where('role', '=', 'owner').executeTakeFirst()) !== undefined;
  }

  /** A one-time link's token (to put in `/owner/setup/<token>`), valid INVITE_VALID_MS from `at`. */
  async createInvite(role: OwnerRole, createdBy: string | null, at: Date): Promise<string> {
    const token = randomBytes(24).toString('base64url');
    await this.db
      .insertInto('owner_invites')
      .values({
        token_hash: this.hash('invite', token),
        role,
        created_at: at.toISOString(),
        expires_at: new Date(at.getTime() + INVITE_VALID_MS).toISOString(),
        used_at: null,
        created_by: createdBy,
      })
      .execute();
    return token;
  }

  /**
   * At start with no owner account yet: a new set-up link (the token), and the older unused set-up links
   * end (only their hashes are kept, so none could be printed again). Undefined when an owner exists.
   */
  async setupLinkIfNeeded(at: Date): Promise<string | undefined> {
    if (await this.hasOwner()) return undefined;
    await this.db
      .updateTable('owner_invites')
      .set({ used_at: at.toISOString() })
      .where('role', '=', 'owner')
      .where('created_by', 'is', null)
      .where('used_at', 'is', null)
      .execute();
    return this.createInvite('owner', null, at);
  }

  /** The role a link would give, while it is unused and unexpired. */
  async invite(token: string, at: Date): Promise<{ role: OwnerRole } | undefined> {
    if (!/^[A-Za-z0-9_-]{32}$/.test(token)) return undefined;
    const row = await this.db
      .selectFrom('owner_invites')
      .select(['role'])
      .where('token_hash', '=', this.hash('invite', token))
      .where('used_at', 'is', null)
      .where('expires_at', '>', at.toISOString())
      .executeTakeFirst();
    return row ? { role: row.role as OwnerRole } : undefined;
  }

  /**
   * Uses a link once: the account is made with the name and password, or nothing changes (a bad
   * name or password leaves the link usable). Of two uses at once exactly one wins: the link is
   * taken by one conditional UPDATE in the same transaction as the new account.
   */
  async acceptInvite(token: string, nameText: string, password: string, at: Date): Promise<AcceptInviteResult> {
    const name = normaliseAccountName(nameText);
    if (!name) return { ok: false, reason: 'bad-name' };
    const weakness = passwordWeakness(password, name);
    if (weakness) return { ok: false, reason: weakness };
    if (!(await this.invite(token, at))) return { ok: false, reason: 'invalid-link' };
    const record = await hashPassword(password, this.scryptParams);
    return this.db
      .transaction()
      .execute(async (tx) => {
        const taken = await tx
          .updateTable('owner_invites')
          .set({ used_at: at.toISOString() })
          .where('token_hash', '=', this.hash('invite', token))
          .where('used_at', 'is', null)
          .where('expires_at', '>', at.toISOString())
          .returning(['role'])
          .executeTakeFirst();
        if (!taken) return { ok: false, reason: 'invalid-link' } as const;
        const existing = await tx.selectFrom('owner_accounts').select('id').where('name', '=', name).executeTakeFirst();
        if (existing) throw new NameTaken();
        const account = {
          id: randomUUID(),
          name,
          role: taken.role,
          password: record,
          totp_secret: null,
          totp_pending: null,
          totp_last_step: null,
          created_at: at.toISOString(),
        };
        await tx.insertInto('owner_accounts').values(account).execute();
        return { ok: true, account: toAccount(account) } as const;
      })
      .catch((error: unknown) => {
        if (error instanceof NameTaken) return { ok: false, reason: 'name-taken' } as const;
        throw error;
      });
  }

  async account(id: string): Promise<OwnerAccount | undefined> {
    const row = await this.db.selectFrom('owner_accounts').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? toAccount(row) : undefined;
  }

  async accounts(): Promise<OwnerAccount[]> {
    return (await this.db.selectFrom('owner_accounts').selectAll().orderBy('created_at').orderBy('name').execute()).map(toAccount);
  }

  /**
   * Name and password, then the TOTP code when the account has TOTP. A code is used once (its time
   * step is kept), so a code read over a shoulder does not sign in a second time.
   */
  async signIn(nameText: string, password: string, totpCode: string, at: Date): Promise<SignInResult> {
    const name = normaliseAccountName(nameText) ?? '';
    const row = name ? await this.db.selectFrom('owner_accounts').selectAll().where('name', '=', name).executeTakeFirst() : undefined;
    if (!row) {
      dummyRecord ??= hashPassword(randomBytes(16).toString('hex'), this.scryptParams);
      await verifyPassword(password, await dummyRecord);
      return { ok: false, reason: 'wrong-password' };
    }
    if (!(await verifyPassword(password.slice(0, 256), row.password))) return { ok: false, reason: 'wrong-password', account: toAccount(row) };
    if (row.totp_secret === null) return { ok: true, account: toAccount(row) };
    if (totpCode.trim() === '') return { ok: false, reason: 'totp-required', account: toAccount(row) };
    const step = this.totpStep(row.totp_secret, totpCode, at);
    if (step === undefined || (row.totp_last_step !== null && step <= row.totp_last_step)) return { ok: false, reason: 'totp-wrong', account: toAccount(row) };
    const used = await this.db
      .updateTable('owner_accounts')
      .set({ totp_last_step: step })
      .where('id', '=', row.id)
      .where((eb) => eb.or([eb('totp_last_step', 'is', null), eb('totp_last_step', '<', step)]))
      .executeTakeFirst();
    if (Number(used.numUpdatedRows) !== 1) return { ok: false, reason: 'totp-wrong', account: toAccount(row) };
    return { ok: true, account: toAccount(row) };
  }

  /** The time step a code belongs to (±1 step of `at`), or undefined when it is not the code of that secret. */
  private totpStep(secretBase32: string, code: string, at: Date): number | undefined {
    const token = code.replace(/\s/g, '');
    if (!/^\d{6}$/.test(token)) return undefined;
    const delta = TOTP.validate({ token, secret: Secret.fromBase32(secretBase32), timestamp: at.getTime(), window: 1 });
    return delta === null ? undefined : Math.floor(at.getTime() / 30_000) + delta;
  }

  /** A new TOTP secret waiting for its first code (not yet asked at sign-in): the base32 secret and the otpauth:// URI. */
  async startTotp(accountId: string): Promise<{ secret: string; uri: string } | undefined> {
    const account = await this.account(accountId);
    if (!account) return undefined;
    const secret = new Secret({ buffer: new Uint8Array(randomBytes(20)).buffer });
    await this.db.updateTable('owner_accounts').set({ totp_pending: secret.base32 }).where('id', '=', accountId).execute();
    return { secret: secret.base32, uri: new TOTP({ issuer: this.issuer, label: account.name, secret }).toString() };
  }

  /** The secret waiting for its first code (shown again after a wrong code). */
  async pendingTotp(accountId: string): Promise<{ secret: string; uri: string } | undefined> {
    const row = await this.db.selectFrom('owner_accounts').select(['name', 'totp_pending']).where('id', '=', accountId).executeTakeFirst();
    if (!row?.totp_pending) return undefined;
    return { secret: row.totp_pending, uri: new TOTP({ issuer: this.issuer, label: row.name, secret: Secret.fromBase32(row.totp_pending) }).toString() };
  }

  /** Turns TOTP on once a code of the pending secret checks; false (nothing changed) otherwise. */
  async confirmTotp(accountId: string, code: string, at: Date): Promise<boolean> {
    const row = await this.db.selectFrom('owner_accounts').select(['totp_pending']).where('id', '=', accountId).executeTakeFirst();
    if (!row?.totp_pending) return false;
    const step = this.totpStep(row.totp_pending, code, at);
    if (step === undefined) return false;
    await this.db
      .updateTable('owner_accounts')
      .set({ totp_secret: row.totp_pending, totp_pending: null, totp_last_step: step })
      .where('id', '=', accountId)
      .execute();
    return true;
  }

  /**
   * Changes of accounts serialised with each other: on PostgreSQL a transaction-wide advisory lock (two
   * owners demoting each other at once on two nodes cannot both see the other as "another owner");
   * SQLite runs one write transaction at a time anyway.
   */
  private async changeAccounts<T>(change: (tx: Transaction<HubDatabase>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(async (tx) => {
      if (this.db.getExecutor().adapter instanceof PostgresAdapter) await sql`select pg_advisory_xact_lock(hashtext('owner-accounts'))`.execute(tx);
      return change(tx);
    });
  }

  /** How many owner accounts other than `id` exist, read inside the accounts' lock. */
  private async otherOwners(tx: Transaction<HubDatabase>, id: string): Promise<number> {
    const row = await tx
      .selectFrom('owner_accounts')
      .select((eb) => eb.fn.countAll<number | string>().as('n'))
      .where('role', '=', 'owner')
      .where('id', '<>', id)
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /**
   * Removes an account and ends its sessions in the same transaction (resolveSession also finds no
   * account for them, so they open nothing from this moment on every node). The last owner stays.
   */
  async removeAccount(id: string, at: Date): Promise<AccountChangeResult> {
    return this.changeAccounts(async (tx) => {
      const row = await tx.selectFrom('owner_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return { ok: false, reason: 'not-found' } as const;
      if (row.role === 'owner' && (await this.otherOwners(tx, id)) === 0) return { ok: false, reason: 'last-owner' } as const;
      await tx.deleteFrom('owner_accounts').where('id', '=', id).execute();
      await tx.updateTable('owner_sessions').set({ revoked_at: at.toISOString() }).where('account_id', '=', id).where('revoked_at', 'is', null).execute();
      return { ok: true, account: toAccount(row) } as const;
    });
  }

  /** Makes an account an owner or a manager; applies to its live sessions at once (they read the account's role). The last owner stays one. */
  async setRole(id: string, role: OwnerRole): Promise<AccountChangeResult> {
    return this.changeAccounts(async (tx) => {
      const row = await tx.selectFrom('owner_accounts').selectAll().where('id', '=', id).executeTakeFirst();
      if (!row) return { ok: false, reason: 'not-found' } as const;
      if (row.role === 'owner' && role !== 'owner' && (await this.otherOwners(tx, id)) === 0) return { ok: false, reason: 'last-owner' } as const;
      await tx.updateTable('owner_accounts').set({ role }).where('id', '=', id).execute();
      return { ok: true, account: toAccount({ ...row, role }) } as const;
    });
  }

  /** A session for an account (or for the owner token, accountId null); the cookie value `o2.<id>`. */
  async openSession(who: { accountId: string | null; name: string; role: OwnerRole }, at: Date): Promise<string> {
    const id = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('owner_sessions')
      .values({
        id_hash: this.hash('owner-session', id),
        account_id: who.accountId,
        name: who.name,
        role: who.role,
        created_at: at.toISOString(),
        expires_at: new Date(at.getTime() + OWNER_SESSION_MS).toISOString(),
        revoked_at: null,
      })
      .execute();
    return `o2.${id}`;
  }

  /** The principal of a live, unexpired session cookie; an account's current role (a change applies at once). */
  async resolveSession(cookie: string | undefined, at: Date): Promise<OwnerPrincipal | undefined> {
    const id = parseSessionCookie('o2', cookie);
    if (id === undefined) return undefined;
    const row = await this.db
      .selectFrom('owner_sessions')
      .selectAll()
      .where('id_hash', '=', this.hash('owner-session', id))
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', at.toISOString())
      .executeTakeFirst();
    if (!row) return undefined;
    if (row.account_id === null) return { via: 'cookie', role: row.role as OwnerRole, name: row.name, accountId: null };
    const account = await this.account(row.account_id);
    return account ? { via: 'cookie', role: account.role, name: account.name, accountId: account.id } : undefined;
  }

  async endSession(cookie: string | undefined, at: Date): Promise<void> {
    const id = parseSessionCookie('o2', cookie);
    if (id === undefined) return;
    await this.db.updateTable('owner_sessions').set({ revoked_at: at.toISOString() }).where('id_hash', '=', this.hash('owner-session', id)).execute();
  }

  /** A new API key: the whole key is shown once; only a hash of its secret is kept. */
  async createApiKey(name: string, createdBy: string, at: Date): Promise<{ id: string; key: string }> {
    const id = randomBytes(6).toString('hex');
    const secret = randomBytes(32).toString('base64url');
    await this.db
      .insertInto('owner_api_keys')
      .values({ id, name, secret_hash: sha256(secret), created_at: at.toISOString(), created_by: createdBy, revoked_at: null, last_used_at: null })
      .execute();
    return { id, key: formatApiKey(id, secret) };
  }

  async apiKeys(): Promise<ApiKeyInfo[]> {
    const rows = await this.db.selectFrom('owner_api_keys').selectAll().where('revoked_at', 'is', null).orderBy('created_at').orderBy('id').execute();
    return rows.map((r) => ({ id: r.id, name: r.name, createdAt: r.created_at, createdBy: r.created_by, lastUsedAt: r.last_used_at }));
  }

  async revokeApiKey(id: string, at: Date): Promise<boolean> {
    const done = await this.db
      .updateTable('owner_api_keys')
      .set({ revoked_at: at.toISOString() })
      .where('id', '=', id)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(done.numUpdatedRows) === 1;
  }

  /** The principal of a bearer API key (role owner: keys are made by owners, for scripts), or undefined. */
  async resolveApiKey(text: string, at: Date): Promise<OwnerPrincipal | undefined> {
    const parsed = parseApiKey(text);
    if (!parsed) return undefined;
    const row = await this.db.selectFrom('owner_api_keys').selectAll().where('id', '=', parsed.id).where('revoked_at', 'is', null).executeTakeFirst();
    if (!row) return undefined;
    const expected = Buffer.from(row.secret_hash);
    const given = Buffer.from(sha256(parsed.secret));
    if (expected.length !== given.length || !timingSafeEqual(expected, given)) return undefined;
    await this.db.updateTable('owner_api_keys').set({ last_used_at: at.toISOString() }).where('id', '=', row.id).execute();
    return { via: 'api-key', role: 'owner', name: `key:${row.name}`, accountId: null };
  }
}

class NameTaken extends Error {}

function toAccount(row: Pick<HubDatabase['owner_accounts'], 'id' | 'name' | 'role' | 'totp_secret' | 'created_at'>): OwnerAccount {
  return { id: row.id, name: row.name, role: row.role as OwnerRole, totp: row.totp_secret !== null, createdAt: row.created_at };
}
