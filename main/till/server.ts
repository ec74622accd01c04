import { timingSafeEqual } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyError, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import fastifySwagger from '@fastify/swagger';
import {
  hasZodFastifySchemaValidationErrors,
  jsonSchemaTransform,
  serializerCompiler,
  validatorCompiler,
  type ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { isRefusal, Refusal } from '../../core/errors';
import type { TillPort } from '../../core/till-api';
import { tillRoutes } from './routes';

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
const MAX_PARAM_LENGTH = 2_000;

function tokenMatches(header: string | undefined, token: string): boolean {
  const presented = Buffer.from(/^Bearer (.+)$/i.exec(header ?? '')?.[1] ?? '');
  const expected = Buffer.from(token);
  return presented.length === expected.length && timingSafeEqual(presented, expected);
}

const unauthorized = () => new Refusal('unauthorized', 'missing or wrong bearer token: send "Authorization: Bearer <KIOSK_API_TOKEN>"');

function errorBody(refusal: Refusal): unknown {
  return { error: { code: refusal.code, message: refusal.message, ...(refusal.details === undefined ? {} : { details: refusal.details }) } };
}

/** What a Fastify or schema error means for the till, in the till API's words; undefined for the kiosk's own failures (500). */
function asRefusal(error: unknown): Refusal | undefined {
  if (isRefusal(error)) return error;
  if (hasZodFastifySchemaValidationErrors(error)) {
    const where = (error as { validationContext?: string }).validationContext ?? 'body';
    const issues = error.validation.map((issue) => ({
      field: issue.instancePath.slice(1).replaceAll('/', '.') || `(${where})`,
      message: issue.message ?? 'invalid',
    }));
    // Some schema messages name their field already ("query: type at least 2 characters"): not twice.
    const text = issues.map((i) => (i.message.startsWith(`${i.field}: `) ? i.message : `${i.field}: ${i.message}`)).join('; ');
    return new Refusal('invalid_request', text, issues);
  }
  const fastifyError = error as Partial<FastifyError>;
  if (fastifyError.code === 'FST_ERR_CTP_BODY_TOO_LARGE') {
    return new Refusal('payload_too_large', `request body over ${MAX_BODY_BYTES} bytes (${MAX_BODY_BYTES / 1024} KiB); nothing was recorded`);
  }
  // Fastify's other refusals of the request itself (bad Content-Length, a body that ends early…).
  if (typeof fastifyError.statusCode === 'number' && fastifyError.statusCode >= 400 && fastifyError.statusCode < 500) {
    return new Refusal('invalid_request', `the request could not be read: ${fastifyError.message ?? 'malformed request'}; nothing was recorded`);
  }
  return undefined;
}

/**
 * A broken %-escape never reaches a route (the router refuses the URL first): name the path
 * parameter it broke, from the declared route whose shape the path has.
 */
function badEscape(rawUrl: string, method: string, routes: readonly RouteOptions[]): Refusal {
  const path = rawUrl.split('?')[0]!.replace(/\/+$/, '');
  const segments = path.split('/');
  const broken = segments.findIndex((segment) => {
    try {
      decodeURIComponent(segment);
      return false;
    } catch {
      return true;
    }
  });
  const shown = JSON.stringify((segments[broken] ?? path).slice(0, 80));
  for (const route of routes) {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const pattern = route.url.split('/');
    if (!methods.includes(method) || pattern.length !== segments.length) continue;
    if (!pattern.every((part, i) => part.startsWith(':') || part === segments[i])) continue;
    const name = pattern[broken]?.startsWith(':') ? pattern[broken].slice(1) : undefined;
    if (name === undefined) break;
    const params = route.schema?.params as { shape?: Record<string, { description?: string }> } | undefined;
    const description = params?.shape?.[name]?.description;
    return new Refusal('invalid_request', `${name}${description ? ` (${description})` : ''}: ${shown} is not valid percent-encoding`);
  }
  return new Refusal('invalid_request', `path: ${shown} is not valid percent-encoding`);
}

/** The till API of ARCHITECTURE.md: JSON over HTTP with a bearer token, bound to loopback by default. */
export async function startTillApi(options: TillApiOptions): Promise<TillApi> {
  const { port: till, token, host = '127.0.0.1', listenPort = 7411, version = '0.1.0', log = () => {} } = options;
  if (token.length < 16) throw new Error('till API token must be at least 16 characters');

  const routes: RouteOptions[] = [];
  const refuse = (request: FastifyRequest, reply: FastifyReply, refusal: Refusal) => {
    log(`till API: ${request.method} ${request.url} refused (${refusal.code}): ${refusal.message}`);
    return reply.code(refusal.status).header('cache-control', 'no-store').send(errorBody(refusal));
  };

  const app = Fastify({
    logger: false,
    bodyLimit: MAX_BODY_BYTES,
    requestTimeout: 10_000,
    // Voucher codes and card QR texts are signed tokens, longer than the router's default of 100.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: MAX_PARAM_LENGTH },
    frameworkErrors: (error, request, reply) => {
      const refusal = !tokenMatches(request.headers.authorization, token)
        ? unauthorized()
        : error.code === 'FST_ERR_BAD_URL'
          ? badEscape(request.url, request.method, routes)
          : error.code === 'FST_ERR_MAX_PARAM_LENGTH'
            ? new Refusal('invalid_request', `path: a code or id in the path is longer than ${MAX_PARAM_LENGTH} characters`)
            : new Refusal('invalid_request', error.message);
      void refuse(request, reply, refusal);
    },
  }).withTypeProvider<ZodTypeProvider>();
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  app.addHook('onRoute', (route) => {
    routes.push(route);
  });

  // Every body is read as JSON, whatever Content-Type the till sends (curl -d sends a form type); no body is no body.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_request, body, done) => {
    const text = String(body);
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text));
    } catch (error) {
      done(new Refusal('invalid_request', `malformed JSON: ${(error as Error).message}`), undefined);
    }
  });

  // One auth hook for every route, the unknown ones included; only routes declared with `security: []` are open.
  app.addHook('onRequest', async (request) => {
    const security = request.routeOptions.schema?.security;
    if (Array.isArray(security) && security.length === 0) return;
    if (!tokenMatches(request.headers.authorization, token)) throw unauthorized();
  });
  app.addHook('onSend', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
  });

  app.setNotFoundHandler(async (request) => {
    throw new Refusal('not_found', `no route ${request.method} ${request.url.split('?')[0]}; see GET /v1/openapi.json`);
  });
  app.setErrorHandler(async (error, request, reply) => {
    const refusal = asRefusal(error);
    if (refusal) {
      if (refusal.code === 'payload_too_large') drain(request);
      return refuse(request, reply, refusal);
    }
    log(`till API: ${request.method} ${request.url} failed: ${(error as Error).stack ?? String(error)}`);
    return reply.code(500).send({ error: { code: 'internal', message: 'the kiosk could not record this; nothing was changed, retry' } });
  });

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.1.0',
      info: { title: 'Loyalty Kiosk till API', version, description: 'Money is {"amount": <integer minor units>, "currency": "<ISO 4217>"}.' },
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(tillRoutes, { till });
  await app.listen({ port: listenPort, host });
  const address = app.server.address() as AddressInfo;
  return {
    server: app.server,
    url: `http://${host}:${address.port}`,
    close: () => app.close(),
  };
}

/**
 * Reads and drops the rest of a refused oversized body, so the till reads its 413 instead of a
 * reset connection; a body that goes on past MAX_DRAIN_BYTES is cut off.
 */
function drain(request: FastifyRequest): void {
  const raw = request.raw;
  if (raw.readableEnded) return;
  let dropped = 0;
  raw.on('data', (chunk: Buffer) => {
    dropped += chunk.length;
    if (dropped > MAX_DRAIN_BYTES) raw.destroy();
  });
  raw.resume();
}
