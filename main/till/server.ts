import { timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { z } from 'zod';
import { isRefusal, Refusal } from '../../core/errors';
import {
  createSaleRequestSchema,
  enrolMemberRequestSchema,
  memberSearchQuerySchema,
  redeemVoucherRequestSchema,
  refundRequestSchema,
  type TillPort,
} from '../../core/till-api';
import { tillOpenApi } from './openapi';

export interface TillApiOptions {
  port: TillPort;
  token: string;
  /** 127.0.0.1 unless the shop's till runs on another machine. */
  host?: string;
  listenPort?: number;
  version?: string;
  log?: (line: string) => void;
}

export interface TillApi {
  server: Server;
  url: string;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 256 * 1024;
/** Past the limit the rest of a body is read and dropped up to this much, so the till gets its 413; beyond, the connection is cut. */
const MAX_DRAIN_BYTES = 8 * 1024 * 1024;

function send(res: ServerResponse, status: number, body: unknown): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'no-store',
    // A refused oversized body may still be arriving: the connection is not reused after it.
    ...(status === 413 ? { connection: 'close' } : {}),
  });
  res.end(text);
}

function sendRefusal(res: ServerResponse, refusal: Refusal): void {
  send(res, refusal.status, {
    error: { code: refusal.code, message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) },
  });
}

function readJson(req: IncomingMessage): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (chunk: Buffer) => {
      size += chunk.length;
      if (refused) {
        if (size > MAX_DRAIN_BYTES) req.destroy();
        return;
      }
      if (size > MAX_BODY_BYTES) {
        // Answer now and drop the rest as it comes: destroying the request here would reset the
        // connection before the till reads why.
        refused = true;
        chunks.length = 0;
        reject(new Refusal('payload_too_large', `request body over ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024} KiB); nothing was recorded`));
        return;
      }
      chunks.push(chunk);
    });
    req.on('error', reject);
    req.on('end', () => {
      if (refused) return;
      const text = Buffer.concat(chunks).toString('utf8');
      if (text.trim() === '') return resolve(undefined);
      try {
        resolve(JSON.parse(text));
      } catch (error) {
        reject(new Refusal('invalid_request', `malformed JSON: ${(error as Error).message}`));
      }
    });
  });
}

function parse<T>(schema: z.ZodType<T>, value: unknown): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issues = result.error.issues.map((issue) => ({ field: issue.path.join('.') || '(body)', message: issue.message }));
    throw new Refusal('invalid_request', issues.map((i) => `${i.field}: ${i.message}`).join('; '), issues);
  }
  return result.data;
}

/** A path segment as the till meant it; a broken %-escape is the till's mistake (400), not the kiosk's (500). */
function pathSegment(raw: string, what: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw new Refusal('invalid_request', `${what}: ${JSON.stringify(raw.slice(0, 80))} is not valid percent-encoding`);
  }
}

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

/** The till API of ARCHITECTURE.md: JSON over HTTP with a bearer token, bound to loopback by default. */
export async function startTillApi(options: TillApiOptions): Promise<TillApi> {
  const { port: till, token, host = '127.0.0.1', listenPort = 7411, version = '0.1.0', log = () => {} } = options;
  if (token.length < 16) throw new Error('till API token must be at least 16 characters');

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://till');
    const method = req.method ?? 'GET';
    const path = url.pathname.replace(/\/+$/, '');

    if (method === 'GET' && path === '/v1/health') return send(res, 200, till.health());
    if (method === 'GET' && path === '/v1/openapi.json') return send(res, 200, tillOpenApi(version));
    if (!tokenMatches(req.headers.authorization, token)) {
      throw new Refusal('unauthorized', 'missing or wrong bearer token: send "Authorization: Bearer <KIOSK_API_TOKEN>"');
    }

    if (method === 'POST' && path === '/v1/sales') {
      const request = parse(createSaleRequestSchema, await readJson(req));
      const { created, sale } = await till.createSale(request);
      return send(res, created ? 201 : 200, sale);
    }
    const sale = /^\/v1\/sales\/([^/]+)(?:\/(refunds|void))?$/.exec(path);
    if (sale) {
      const tillSaleId = pathSegment(sale[1]!, 'tillSaleId');
      if (method === 'GET' && !sale[2]) {
        const found = till.getSale(tillSaleId);
        if (!found) throw new Refusal('not_found', `no sale with tillSaleId ${JSON.stringify(tillSaleId)}`);
        return send(res, 200, found);
      }
      if (method === 'POST' && sale[2] === 'refunds') {
        const request = parse(refundRequestSchema, (await readJson(req)) ?? {});
        return send(res, 201, await till.refundSale(tillSaleId, request));
      }
      if (method === 'POST' && sale[2] === 'void') return send(res, 201, await till.voidSale(tillSaleId));
    }
    if (path === '/v1/members' && method === 'GET') {
      const { query } = parse(memberSearchQuerySchema, Object.fromEntries(url.searchParams));
      return send(res, 200, { members: till.searchMemberViews(query) });
    }
    if (path === '/v1/members' && method === 'POST') {
      const request = parse(enrolMemberRequestSchema, await readJson(req));
      const { created, member } = await till.enrolMember(request);
      return send(res, created ? 201 : 200, member);
    }
    const member = /^\/v1\/members\/([^/]+)$/.exec(path);
    if (member && method === 'GET') {
      const code = pathSegment(member[1]!, 'member code');
      const found = till.getMember(code);
      if (!found) throw new Refusal('not_found', `no member with code, card QR or phone ${JSON.stringify(code)}`);
      return send(res, 200, found);
    }
    const voucher = /^\/v1\/vouchers\/([^/]+)(\/redeem)?$/.exec(path);
    if (voucher) {
      const code = decodeURIComponent(voucher[1]!);
      if (method === 'GET' && !voucher[2]) return send(res, 200, till.getVoucher(code));
      if (method === 'POST' && voucher[2]) {
        const request = parse(redeemVoucherRequestSchema, await readJson(req));
        const { created, redemption } = await till.redeemVoucherForTill(code, request);
        return send(res, created ? 201 : 200, redemption);
      }
    }
    throw new Refusal('not_found', `no route ${method} ${path}; see GET /v1/openapi.json`);
  }

  const server = createServer((req, res) => {
    route(req, res).catch((error: unknown) => {
      if (isRefusal(error)) {
        log(`till API: ${req.method} ${req.url} refused (${error.code}): ${error.message}`);
        if (!res.headersSent) sendRefusal(res, error);
        return;
      }
      log(`till API: ${req.method} ${req.url} failed: ${(error as Error).stack ?? String(error)}`);
      if (!res.headersSent) send(res, 500, { error: { code: 'internal', message: 'the kiosk could not record this; nothing was changed, retry' } });
    });
  });
  server.requestTimeout = 10_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(listenPort, host, () => resolve());
  });
  const address = server.address() as AddressInfo;
  return {
    server,
    url: `http://${host}:${address.port}`,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
