import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { pairRequestSchema } from '../../core/sync-protocol';
import type { HubHttpContext } from './context';

/** Health (`GET /health`, `GET /v1/health`) and kiosk pairing (`POST /v1/pair`), JSON only. */

/** A JSON body that may have come as text (no content type): parsed here, so a bad one is a 400 from the schema. */
export function jsonText<T extends z.ZodType>(schema: T, shape: string) {
  return z
    .unknown()
    .transform((value, check) => {
      if (typeof value !== 'string') return value;
      try {
        return JSON.parse(value) as unknown;
      } catch {
        check.issues.push({ code: 'custom', message: `body must be JSON ${shape}`, input: value });
        return z.NEVER;
      }
    })
    .pipe(schema);
}

export const healthRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app, ctx) => {
  app.get('/v1/health', async () => ({ ok: true, kiosksConnected: ctx.connectedKiosks() }));

  app.get('/health', async (_request, reply) => {
    const up = await ctx.store.ping();
    if (!up) ctx.noteDatabaseDown(new Error('health check: no answer'));
    return reply.code(up ? 200 : 503).send({ ok: up, database: up ? 'up' : 'down', engine: ctx.store.engine });
  });

  app.post('/v1/pair', { schema: { body: jsonText(pairRequestSchema, '{"code": "...", "name": "..."}') } }, async (request, reply) => {
    const address = ctx.clientAddress(request);
    if (ctx.failures.slowedDown('pair', `ip:${address}`))
      return reply.code(429).send({ error: 'too many failed pairing attempts: wait a minute', code: 'pairing-slowed-down' });
    const kiosk = await ctx.store.pairKiosk(request.body.code, request.body.name, ctx.now());
    if (!kiosk) {
      ctx.failures.note('pair', `ip:${address}`);
      return reply.code(403).send({ error: 'pairing code unknown, used or expired: ask the hub owner for a new one', code: 'pairing-code-refused' });
    }
    ctx.log(`kiosk paired: ${kiosk.name} (${kiosk.id})`);
    return ctx.pairAnswer(kiosk);
  });
};
