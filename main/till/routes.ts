import { z } from 'zod';
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { Refusal } from '../../core/errors';
import {
  createSaleRequestSchema,
  enrolMemberRequestSchema,
  errorViewSchema,
  healthViewSchema,
  memberListSchema,
  memberSearchQuerySchema,
  memberViewSchema,
  redeemVoucherRequestSchema,
  refundRequestSchema,
  refundViewSchema,
  saleListQuerySchema,
  saleListSchema,
  saleRecordSchema,
  saleViewSchema,
  type TillPort,
  voucherRedemptionViewSchema,
  voucherViewSchema,
} from '../../core/till-api';

/**
 * Every route of the till API, each declared once: its schemas validate the request, type the
 * handler, check the answer and make the OpenAPI document (server.ts serves it at /v1/openapi.json).
 * A route whose schema says `security: []` is open; every other one needs the bearer token.
 */

const refused = (description: string) => errorViewSchema.describe(description);
/** Refusals every route may give. */
const common = {
  400: refused('A request that fails the schema (the field is named) or a broken %-escape in the path'),
  401: refused('Missing or wrong bearer token'),
};
/** …and those of a route that reads a body. */
const withBody = { ...common, 400: refused('Malformed JSON or a body that fails the schema (the field is named)'), 413: refused('Body over 256 KiB') };

const tillSaleIdParam = z.object({ tillSaleId: z.string().describe("the till's id of the sale") });
const saleIdParam = z.object({
  tillSaleId: z.string().describe("the till's id of the sale, or the kiosk's saleId"),
});
const memberCodeParam = z.object({ code: z.string().describe('member code, card QR or phone number') });
const voucherCodeParam = z.object({ code: z.string().describe('voucher code as scanned') });

export const tillRoutes: FastifyPluginAsyncZod<{ till: TillPort }> = async (app, { till }) => {
  app.post(
    '/v1/sales',
    {
      schema: {
        summary: 'Record a sale; idempotent by tillSaleId (a retry returns the same sale with 200)',
        body: createSaleRequestSchema,
        response: {
          201: saleViewSchema.describe('Sale recorded'),
          200: saleViewSchema.describe('Same tillSaleId seen before: the sale as recorded'),
          404: refused('memberCode names no member'),
          409: refused('tillSaleId reused with a different total'),
          422: refused('Amount over the ceiling'),
          ...withBody,
        },
      },
    },
    async (request, reply) => {
      const { created, sale } = await till.createSale(request.body);
      return reply.code(created ? 201 : 200).send(sale);
    },
  );

  app.get(
    '/v1/sales',
    {
      schema: {
        summary: 'Every sale, whatever path rang it (till API, keypad, print-stream passthrough), in time order; page on with `cursor`',
        querystring: saleListQuerySchema,
        response: { 200: saleListSchema.describe('A page of sales; `next` is the cursor of the page after it, null on the last page'), ...common },
      },
    },
    async (request) => till.listSales(request.query),
  );

  app.get(
    '/v1/sales/:tillSaleId',
    {
      schema: {
        summary: "A sale by the till's id, or by the kiosk's saleId for any sale",
        params: saleIdParam,
        response: { 200: saleRecordSchema.describe('The sale'), 404: refused('Unknown sale'), ...common },
      },
    },
    async (request) => {
      const found = till.findSale(request.params.tillSaleId);
      if (!found) throw new Refusal('not_found', `no sale with tillSaleId or saleId ${JSON.stringify(request.params.tillSaleId)}`);
      return found;
    },
  );

  app.post(
    '/v1/sales/:tillSaleId/refunds',
    {
      schema: {
        summary: 'Refund a sale in whole (no amount: what is left) or in part; idempotent by refundId',
        params: tillSaleIdParam,
        // No body at all is a refund of what is left, as `{}` is.
        body: refundRequestSchema.default({}),
        response: {
          201: refundViewSchema.describe('Refund recorded'),
          404: refused('Unknown sale'),
          409: refused('refundId reused with another amount'),
          422: refused('Refund larger than what is left of the sale'),
          ...withBody,
        },
      },
    },
    async (request, reply) => reply.code(201).send(await till.refundSale(request.params.tillSaleId, request.body)),
  );

  app.post(
    '/v1/sales/:tillSaleId/void',
    {
      schema: {
        summary: 'Void a sale: all of its points come back off',
        params: tillSaleIdParam,
        response: { 201: refundViewSchema.describe('Sale voided'), 404: refused('Unknown sale'), ...withBody },
      },
    },
    async (request, reply) => reply.code(201).send(await till.voidSale(request.params.tillSaleId)),
  );

  app.get(
    '/v1/members',
    {
      schema: {
        summary: 'Find members by name (prefix), phone in any format, e-mail or member code; best first',
        querystring: memberSearchQuerySchema,
        response: { 200: memberListSchema.describe('Matching members'), ...common },
      },
    },
    async (request) => ({ members: till.searchMemberViews(request.query.query) }),
  );

  app.post(
    '/v1/members',
    {
      schema: {
        summary: 'Enrol a member at the counter (the customer agreed); a known contact answers its member',
        body: enrolMemberRequestSchema,
        response: {
          201: memberViewSchema.describe('New member'),
          200: memberViewSchema.describe('The contact belongs to a member already: that member, nothing new'),
          ...withBody,
        },
      },
    },
    async (request, reply) => {
      const { created, member } = await till.enrolMember(request.body);
      return reply.code(created ? 201 : 200).send(member);
    },
  );

  app.get(
    '/v1/members/:code',
    {
      schema: {
        summary: 'A member by the code on their card, the card QR or a phone number in any format',
        params: memberCodeParam,
        response: { 200: memberViewSchema.describe('The member'), 404: refused('Unknown member'), ...common },
      },
    },
    async (request) => {
      const found = till.getMember(request.params.code);
      if (!found) throw new Refusal('not_found', `no member with code, card QR or phone ${JSON.stringify(request.params.code)}`);
      return found;
    },
  );

  app.get(
    '/v1/vouchers/:code',
    {
      schema: {
        summary: 'A reward voucher by its scanned code (R…): the reward, its cost, its status and the discount as money',
        params: voucherCodeParam,
        response: {
          200: voucherViewSchema.describe('The voucher'),
          404: refused('The voucher names a reward the shop no longer offers'),
          ...common,
        },
      },
    },
    async (request) => till.getVoucher(request.params.code),
  );

  app.post(
    '/v1/vouchers/:code/redeem',
    {
      schema: {
        summary: 'Redeem a voucher once in the whole shop; idempotent by redemptionId (a retry answers the same redemption with 200)',
        params: voucherCodeParam,
        body: redeemVoucherRequestSchema,
        response: {
          201: voucherRedemptionViewSchema.describe('Redeemed: hand over the product or key the discount'),
          200: voucherRedemptionViewSchema.describe('Same redemptionId seen before for this voucher: the redemption as recorded'),
          404: refused('The voucher names a reward the shop no longer offers'),
          409: refused('Already redeemed (where and when in details), expired, or the redemptionId was used for another voucher'),
          ...withBody,
        },
      },
    },
    async (request, reply) => {
      const { created, redemption } = await till.redeemVoucherForTill(request.params.code, request.body);
      return reply.code(created ? 201 : 200).send(redemption);
    },
  );

  app.get('/v1/health', { schema: { summary: 'Service status', security: [], response: { 200: healthViewSchema.describe('Status') } } }, async () =>
    till.health(),
  );

  // Generated by @fastify/swagger from the declarations above (no response schema: it is the document itself).
  app.get('/v1/openapi.json', { schema: { summary: 'This document (OpenAPI 3.1)', security: [] } }, async () => app.swagger());
};
