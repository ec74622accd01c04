// Stand-ins for the wallets' outside services, on 127.0.0.1, for tests that run a hub with wallets
// configured: throwaway Apple certificates made by the openssl CLI, Apple's push service (APNs) as an
// HTTP/2 server over TLS that asks for the client certificate, and Google's OAuth token endpoint and
// Wallet REST API as one HTTP server that checks each request against Google's documented shape.
import { execFileSync } from 'node:child_process';
import { generateKeyPairSync } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { createSecureServer } from 'node:http2';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import type { TLSSocket } from 'node:tls';
import { importSPKI, jwtVerify } from 'jose';
import { GOOGLE_WALLET_SCOPE } from '../../cloud/wallet';

export interface ThrowawayAppleCerts {
  passTypeId: string;
  teamId: string;
  /** Files in `dir`: Apple's WWDR stand-in, the Pass Type ID certificate it signed and its key; the APNs stand-in's server certificate and key. */
  files: { wwdr: string; passCert: string; passKey: string; apnsCert: string; apnsKey: string };
}

/** A WWDR stand-in, a Pass Type ID certificate it signed (UID = the pass type, OU = the team), and a server certificate for 127.0.0.1. */
export function throwawayAppleCerts(dir: string, passTypeId: string, teamId = 'TEAM123456'): ThrowawayAppleCerts {
  const openssl = (...args: string[]): void => void execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  openssl('req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'wwdr.key', '-out', 'wwdr.pem', '-days', '2', '-subj', '/CN=Test WWDR/O=Test');
  openssl(
    'req',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'pass.key',
    '-out',
    'pass.csr',
    '-subj',
    `/UID=${passTypeId}/CN=Pass Type ID: ${passTypeId}/OU=${teamId}`,
  );
  openssl('x509', '-req', '-in', 'pass.csr', '-CA', 'wwdr.pem', '-CAkey', 'wwdr.key', '-CAcreateserial', '-out', 'pass.pem', '-days', '2');
  openssl(
    'req',
    '-x509',
    '-newkey',
    'rsa:2048',
    '-nodes',
    '-keyout',
    'apns.key',
    '-out',
    'apns.pem',
    '-days',
    '2',
    '-subj',
    '/CN=127.0.0.1',
    '-addext',
    'subjectAltName=IP:127.0.0.1',
  );
  const at = (name: string): string => join(dir, name);
  return {
    passTypeId,
    teamId,
    files: { wwdr: at('wwdr.pem'), passCert: at('pass.pem'), passKey: at('pass.key'), apnsCert: at('apns.pem'), apnsKey: at('apns.key') },
  };
}

/** A push as the APNs stand-in received it; `clientCert` is the SHA-256 fingerprint of the TLS client certificate. */
export interface ReceivedPush {
  method: string;
  path: string;
  topic: string;
  contentType: string;
  body: string;
  clientCert: string;
}

/** Apple's push service on 127.0.0.1: HTTP/2 over TLS, the client certificate asked for and recorded; answers 200 with an apns-id. */
export async function apnsStandIn(certs: ThrowawayAppleCerts): Promise<{ url: string; pushes: ReceivedPush[]; close: () => Promise<void> }> {
  const pushes: ReceivedPush[] = [];
  const server = createSecureServer({
    key: readFileSync(certs.files.apnsKey),
    cert: readFileSync(certs.files.apnsCert),
    requestCert: true,
    rejectUnauthorized: false,
  });
  server.on('stream', (stream, headers) => {
    let body = '';
    stream.setEncoding('utf8');
    stream.on('data', (chunk: string) => (body += chunk));
    stream.on('end', () => {
      const peer = (stream.session?.socket as TLSSocket | undefined)?.getPeerCertificate();
      pushes.push({
        method: String(headers[':method']),
        path: String(headers[':path']),
        topic: String(headers['apns-topic']),
        contentType: String(headers['content-type']),
        body,
        clientCert: peer?.fingerprint256 ?? '',
      });
      stream.respond({ ':status': 200, 'apns-id': '00000000-0000-0000-0000-000000000001' });
      stream.end();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `https://127.0.0.1:${(server.address() as AddressInfo).port}`,
    pushes,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}

export interface GoogleStandIn {
  /** The base of both the token endpoint (`${base}/token`) and the Wallet API. */
  base: string;
  /** A service account key file as Google hands it out (token_uri pointing here). */
  keyFile: string;
  serviceAccountEmail: string;
  publicKey: string;
  /** PATCHes accepted, as Google documents them: path and JSON body. */
  patches: { path: string; body: Record<string, unknown> }[];
  /** Requests refused, with why (a test expects none). */
  refusals: string[];
  /** Object ids Google knows (saved by a member); a PATCH of another answers 404 as Google does. */
  saved: Set<string>;
  /** Access tokens issued so far. */
  tokens: Set<string>;
  /** The next PATCHes answer with these statuses instead, one each (a Google outage). */
  failNext: number[];
  close(): Promise<void>;
}

/**
 * Google's OAuth token endpoint (RFC 7523 JWT bearer, as Google's OAuth 2.0 for service accounts
 * documents it) and the Wallet REST API's `PATCH /walletobjects/v1/loyaltyObject/{resourceId}` with
 * the issued bearer token and a JSON body.
 */
export async function googleStandIn(dir: string, issuerId: string, serviceAccountEmail = 'wallet@kawiarnia.iam.gserviceaccount.com'): Promise<GoogleStandIn> {
  const keys = generateKeyPairSync('rsa', { modulusLength: 2048 });
  const publicKey = keys.publicKey.export({ type: 'spki', format: 'pem' }).toString();
  const patches: GoogleStandIn['patches'] = [];
  const refusals: string[] = [];
  const saved = new Set<string>();
  const tokens = new Set<string>();
  const failNext: number[] = [];
  let base = '';

  const read = (req: IncomingMessage): Promise<string> =>
    new Promise((resolve) => {
      let body = '';
      req.setEncoding('utf8');
      req.on('data', (chunk: string) => (body += chunk));
      req.on('end', () => resolve(body));
    });
  async function answerRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const body = await read(req);
    const answer = (status: number, json: unknown): void => void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(json));
    const refuse = (why: string, status = 400): void => {
      refusals.push(why);
      answer(status, { error: { code: status, message: why } });
    };
    if (req.method === 'POST' && req.url === '/token') {
      const form = new URLSearchParams(body);
      if (req.headers['content-type'] !== 'application/x-www-form-urlencoded') return refuse('token: not a form');
      if (form.get('grant_type') !== 'urn:ietf:params:oauth:grant-type:jwt-bearer') return refuse('token: wrong grant_type');
      try {
        const { payload } = await jwtVerify(form.get('assertion') ?? '', await importSPKI(publicKey, 'RS256'), {
          issuer: serviceAccountEmail,
          audience: `${base}/token`,
        });
        if (payload.scope !== GOOGLE_WALLET_SCOPE) return refuse(`token: scope ${String(payload.scope)}`);
        if (typeof payload.exp !== 'number' || typeof payload.iat !== 'number' || payload.exp - payload.iat > 3600) return refuse('token: exp');
      } catch (error) {
        return refuse(`token: assertion ${String(error)}`);
      }
      const token = `ya29.test-${tokens.size + 1}`;
      tokens.add(token);
      return answer(200, { access_token: token, expires_in: 3599, token_type: 'Bearer' });
    }
    const match = /^\/walletobjects\/v1\/loyaltyObject\/([^/?]+)$/.exec(req.url ?? '');
    if (!match) return refuse(`no such path: ${req.method} ${req.url}`, 404);
    if (req.method !== 'PATCH') return refuse(`method ${req.method}`, 405);
    const auth = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!auth || !tokens.has(auth)) return refuse('no valid bearer token', 401);
    if (!String(req.headers['content-type']).startsWith('application/json')) return refuse('not JSON');
    const id = decodeURIComponent(match[1]!);
    if (!new RegExp(`^${issuerId}\\.[\\w.-]+$`).test(id)) return refuse(`resourceId ${id}`);
    if (!saved.has(id)) return answer(404, { error: { code: 404, message: `No resource with id ${id}` } });
    const status = failNext.shift();
    if (status) return answer(status, { error: { code: status, message: 'The service is currently unavailable.' } });
    const parsed = JSON.parse(body) as Record<string, unknown>;
    patches.push({ path: req.url!, body: parsed });
    return answer(200, { id, ...parsed });
  }

  const server = createServer((req, res) => void answerRequest(req, res));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const keyFile = join(dir, 'google-service-account.json');
  writeFileSync(
    keyFile,
    JSON.stringify({
      type: 'service_account',
      client_email: serviceAccountEmail,
      private_key: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }),
      token_uri: `${base}/token`,
    }),
  );
  return {
    base,
    keyFile,
    serviceAccountEmail,
    publicKey,
    patches,
    refusals,
    saved,
    tokens,
    failNext,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
}
