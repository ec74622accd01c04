import { z } from 'zod';
import {
  createSaleRequestSchema,
  enrolMemberRequestSchema,
  errorViewSchema,
  healthViewSchema,
  memberListSchema,
  memberViewSchema,
  redeemVoucherRequestSchema,
  refundRequestSchema,
  refundViewSchema,
  saleViewSchema,
  voucherRedemptionViewSchema,
  voucherViewSchema,
} from '../../core/till-api';

const json = (schema: z.ZodType) => ({ 'application/json': { schema: z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) } });
const errors = {
  400: { description: 'Malformed JSON or a request that fails the schema', content: json(errorViewSchema) },
  401: { description: 'Missing or wrong bearer token', content: json(errorViewSchema) },
};
const voucherCodeParam = { name: 'code', in: 'path', required: true, schema: { type: 'string' } };
const tillSaleIdParam = { name: 'tillSaleId', in: 'path', required: true, schema: { type: 'string' } };

/** The OpenAPI document, generated from the same schemas that validate the requests. */
export function tillOpenApi(version: string): Record<string, unknown> {
  return {
    openapi: '3.1.0',
    info: { title: 'Loyalty Kiosk till API', version, description: 'Money is {"amount": <integer minor units>, "currency": "<ISO 4217>"}.' },
    components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths: {
      '/v1/sales': {
        post: {
          summary: 'Record a sale; idempotent by tillSaleId (a retry returns the same sale with 200)',
          requestBody: { required: true, content: json(createSaleRequestSchema) },
          responses: {
            201: { description: 'Sale recorded', content: json(saleViewSchema) },
            200: { description: 'Same tillSaleId seen before: the sale as recorded', content: json(saleViewSchema) },
            409: { description: 'tillSaleId reused with a different total', content: json(errorViewSchema) },
            422: { description: 'Amount over the ceiling', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/sales/{tillSaleId}': {
        get: {
          summary: "A sale by the till's id",
          parameters: [tillSaleIdParam],
          responses: {
            200: { description: 'The sale', content: json(saleViewSchema) },
            404: { description: 'Unknown sale', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/sales/{tillSaleId}/refunds': {
        post: {
          summary: 'Refund a sale in whole (no amount) or in part; idempotent by refundId',
          parameters: [tillSaleIdParam],
          requestBody: { required: false, content: json(refundRequestSchema) },
          responses: {
            201: { description: 'Refund recorded', content: json(refundViewSchema) },
            404: { description: 'Unknown sale', content: json(errorViewSchema) },
            422: { description: 'Refund larger than what is left of the sale', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/sales/{tillSaleId}/void': {
        post: {
          summary: 'Void a sale: all of its points come back off',
          parameters: [tillSaleIdParam],
          responses: {
            201: { description: 'Sale voided', content: json(refundViewSchema) },
            404: { description: 'Unknown sale', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/members': {
        get: {
          summary: 'Find members by name (prefix), phone in any format, e-mail or member code; best first',
          parameters: [{ name: 'query', in: 'query', required: true, schema: { type: 'string', minLength: 2, maxLength: 100 } }],
          responses: { 200: { description: 'Matching members', content: json(memberListSchema) }, ...errors },
        },
        post: {
          summary: 'Enrol a member at the counter (the customer agreed); a known contact answers its member',
          requestBody: { required: true, content: json(enrolMemberRequestSchema) },
          responses: {
            201: { description: 'New member', content: json(memberViewSchema) },
            200: { description: 'The contact belongs to a member already: that member, nothing new', content: json(memberViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/members/{code}': {
        get: {
          summary: 'A member by the code on their card, the card QR or a phone number in any format',
          parameters: [{ name: 'code', in: 'path', required: true, schema: { type: 'string' } }],
          responses: {
            200: { description: 'The member', content: json(memberViewSchema) },
            404: { description: 'Unknown member', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/vouchers/{code}': {
        get: {
          summary: 'A reward voucher by its scanned code (R…): the reward, its cost, its status and the discount as money',
          parameters: [voucherCodeParam],
          responses: {
            200: { description: 'The voucher', content: json(voucherViewSchema) },
            404: { description: 'The voucher names a reward the shop no longer offers', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/vouchers/{code}/redeem': {
        post: {
          summary: 'Redeem a voucher once in the whole shop; idempotent by redemptionId (a retry answers the same redemption with 200)',
          parameters: [voucherCodeParam],
          requestBody: { required: true, content: json(redeemVoucherRequestSchema) },
          responses: {
            201: { description: 'Redeemed: hand over the product or key the discount', content: json(voucherRedemptionViewSchema) },
            200: { description: 'Same redemptionId seen before for this voucher: the redemption as recorded', content: json(voucherRedemptionViewSchema) },
            409: {
              description: 'Already redeemed (where and when in details), expired, or the redemptionId was used for another voucher',
              content: json(errorViewSchema),
            },
            404: { description: 'The voucher names a reward the shop no longer offers', content: json(errorViewSchema) },
            ...errors,
          },
        },
      },
      '/v1/health': { get: { summary: 'Service status', security: [], responses: { 200: { description: 'Status', content: json(healthViewSchema) } } } },
      '/v1/openapi.json': { get: { summary: 'This document', security: [], responses: { 200: { description: 'OpenAPI 3.1' } } } },
    },
  };
}
