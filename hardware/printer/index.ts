// Public API of the receipt printers, for main/ to wire into the kiosk.
export { createPrinter, ReceiptPrinter, printerConfigSchema, printerTransportFor } from './printer';
export type { JournalledPrintJob, PrintJournal, PrinterConfig, PrinterState, PrinterStatusEvent } from './printer';
export { PRINTER_PROFILES, resolveProfile } from './profiles';
export type { PrinterProfile, CodePage } from './profiles';
export { encodeReceipt, qrCost, transmitMs } from './escpos';
export { decodeEscPos, EscPosDecoder } from './decode';
export type { Decoded, DecodeResult } from './decode';
export { renderReceiptSvg } from './render-svg';
export { VirtualPrinter } from './virtual-printer';
export type { VirtualReceipt } from './virtual-printer';
export { listSerialPorts } from './transport';
