import { defineMessages } from './catalog';
import { localeFiles } from './locale-files';

/**
 * What staff read about scans and scanners. Values: {name} a scanner or a member, {host} a web host, {paths}, {detail},
 * {saleNo} the kiosk's sale number (claimOffline*: a staff claim made while the hub was down); voucher*: {item} the product to
 * hand over, {reward} the reward's name, {amount} money as formatMoney writes it, {percent}, {kiosk} a kiosk's name, {at} a time.
 */
export const scanMessages = defineMessages(localeFiles('scan'));

export type ScanMessageKey = keyof typeof scanMessages.en;
export type ScanMessage = { key: ScanMessageKey; values: Record<string, string | number> };
