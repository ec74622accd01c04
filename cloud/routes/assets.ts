import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { assetFile } from '../page-assets';
import type { HubHttpContext } from './context';

/** The pages' scripts and style sheets (cloud/page-assets.ts): `GET /assets/<name>`, cached for a day (the URL carries the content hash). */
export const assetRoutes: FastifyPluginAsyncZod<HubHttpContext> = async (app) => {
  app.get('/assets/:name', { schema: { params: z.object({ name: z.string().max(64) }) } }, async (request, reply) => {
    const file = assetFile(request.params.name);
    if (!file) return reply.code(404).type('text/plain').send('not found');
    return reply.type(file.type).header('cache-control', 'public, max-age=86400').send(file.body);
  });
};
