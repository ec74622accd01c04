import { randomBytes, timingSafeEqual } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { Server as SocketServer } from 'socket.io';
import { BRIDGE_SOCKET_PATH, MAX_MESSAGE_BYTES } from '../../core/contract';
import type { Dispatcher } from '../ipc/dispatcher';
import { CONTENT_TYPES, KIOSK_CSP } from './csp';

/**
 * The browser shell: serves the built renderer and carries the IPC contract over Socket.IO through
 * the same dispatcher as Electron's IPC. Bound to 127.0.0.1; a connection needs both an Origin that
 * is the bridge itself and the per-launch secret handed to the kiosk's own page in its URL fragment
 * (`pageUrl()`), so neither another web page nor a program on this machine that never got the launch
 * URL can drive the kiosk or read the sales' claim URLs it broadcasts.
 */
export interface BridgeOptions {
  dispatcher: Dispatcher;
  /** The built renderer (vite build output), e.g. dist/renderer. */
  staticDir: string;
  /** 0 picks a free port. */
  port?: number;
  /** Loopback only; anything else is refused. */
  host?: '127.0.0.1' | 'localhost';
  log?: (line: string) => void;
  /**
   * Extra routes on the same origin (the developer panel under `npm start`); return true when the
   * request was answered. Never set in a production build.
   */
  extraRoutes?: (req: IncomingMessage, res: ServerResponse, origin: string) => boolean | Promise<boolean>;
}

export interface Bridge {
  /** The origin with a trailing slash; no secret in it. */
  url: string;
  /** The kiosk page's address with the per-launch secret in its fragment, e.g. `pageUrl('?thanksMs=5000')`. */
  pageUrl(pathAndQuery?: string): string;
  /** The per-launch secret a client presents as `auth: { secret }` (Node clients: with an allowed Origin header). */
  secret: string;
  port: number;
  close(): Promise<void>;
}

/** What the screen shows when the bridge itself failed; the cause is in the kiosk's log. */
export const INTERNAL_ERROR_TEXT =
  'The kiosk could not answer this request. The cause is in the kiosk log; try again, and restart the kiosk if it keeps happening.';

/** An answer the screen can show as it is: JSON `{ error }` in words, no internals. */
function sendError(res: ServerResponse, status: 400 | 500, error: string): void {
  res
    .writeHead(status, { 'content-type': 'application/json; charset=utf-8', 'x-content-type-options': 'nosniff', 'cache-control': 'no-store' })
    .end(JSON.stringify({ error }));
}

export async function startBridge(options: BridgeOptions): Promise<Bridge> {
  const host = options.host ?? '127.0.0.1';
  if (host !== '127.0.0.1' && host !== 'localhost') throw new Error('the bridge listens on loopback only');
  const root = resolve(options.staticDir);
  const log = options.log ?? ((line: string) => console.log(line));

  async function serveFile(req: IncomingMessage, res: ServerResponse): Promise<void> {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      res.writeHead(405, { allow: 'GET, HEAD' }).end();
      return;
    }
    let pathname: string;
    try {
      pathname = decodeURIComponent(new URL(req.url ?? '/', 'http://x').pathname);
    } catch {
      // A cut-off %-escape is the caller's mistake, not the kiosk's: a 400 that says so, not an error to chase.
      sendError(res, 400, 'This address is not valid: a %-escape in it is cut off or wrong. Open the kiosk from the address printed at start.');
      return;
    }
    const file = normalize(join(root, pathname === '/' ? 'index.html' : pathname));
    if (file !== root && !file.startsWith(root + sep)) {
      res.writeHead(403).end();
      return;
    }
    try {
      if (!(await stat(file)).isFile()) throw new Error('not a file');
      const body = await readFile(file);
      res.writeHead(200, {
        'content-type': CONTENT_TYPES[extname(file)] ?? 'application/octet-stream',
        'content-security-policy': KIOSK_CSP,
        'x-content-type-options': 'nosniff',
        'cache-control': 'no-store',
      });
      res.end(req.method === 'HEAD' ? undefined : body);
    } catch {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8' }).end('not found');
    }
  }

  let origin = '';
  const http = createServer((req, res) => {
    if (req.url?.startsWith(BRIDGE_SOCKET_PATH)) return; // Socket.IO answers these
    void (async () => {
      if (options.extraRoutes && (await options.extraRoutes(req, res, origin))) return;
      await serveFile(req, res);
    })().catch((error: unknown) => {
      // The cause (with its stack) goes to the log only: the answer must not show a page or a script the kiosk's internals.
      log(`[bridge] ${req.method} ${req.url} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
      if (res.headersSent) res.destroy();
      else sendError(res, 500, INTERNAL_ERROR_TEXT);
    });
  });
  await new Promise<void>((ok, fail) => {
    http.once('error', fail);
    http.listen(options.port ?? 0, host, () => ok());
  });
  const port = (http.address() as AddressInfo).port;
  const url = `http://${host}:${port}/`;
  origin = `http://${host}:${port}`;
  const allowedOrigins = new Set([`http://127.0.0.1:${port}`, `http://localhost:${port}`]);
  const secret = randomBytes(24).toString('base64url');
  const secretMatches = (presented: unknown): boolean => {
    if (typeof presented !== 'string') return false;
    const a = Buffer.from(presented);
    const b = Buffer.from(secret);
    return a.length === b.length && timingSafeEqual(a, b);
  };

  const io = new SocketServer(http, {
    path: BRIDGE_SOCKET_PATH,
    serveClient: false,
    transports: ['websocket'],
    // Oversized frames are dropped by the transport before any parsing; the dispatcher checks again.
    maxHttpBufferSize: MAX_MESSAGE_BYTES * 2,
    allowRequest: (req, done) => {
      const origin = req.headers.origin;
      if (origin !== undefined && allowedOrigins.has(origin)) return done(null, true);
      log(`[bridge] refused a connection from ${origin === undefined ? 'a client without an Origin' : `origin ${origin}`}`);
      done('origin not allowed', false);
    },
  });
  io.use((socket, next) => {
    if (secretMatches((socket.handshake.auth as { secret?: unknown } | undefined)?.secret)) return next();
    log('[bridge] refused a connection without the launch secret');
    next(new Error('the kiosk page must be opened from the address printed at start'));
  });

  io.on('connection', (socket) => {
    const session = options.dispatcher.openSession(`bridge:${socket.id.slice(0, 6)}`);
    const off = session.onEvent((event) => socket.emit('kiosk-event', event));
    socket.on('invoke', (name: unknown, args: unknown, ack: unknown) => {
      if (typeof ack !== 'function') {
        log(`[bridge] refused a message without acknowledgement callback from ${session.id}`);
        return;
      }
      void session.call(name, args).then((reply) => (ack as (r: unknown) => void)(reply));
    });
    socket.on('disconnect', () => {
      off();
      session.close();
    });
  });

  return {
    url,
    port,
    secret,
    pageUrl: (pathAndQuery = '') => `${url}${pathAndQuery.replace(/^\//, '')}#bridge=${secret}`,
    async close() {
      http.closeAllConnections(); // keep-alive page loads would hold close() open
      await io.close(); // closes the http server too
      await new Promise<void>((ok) => {
        if (!http.listening) ok();
        else http.close(() => ok());
      });
    },
  };
}
