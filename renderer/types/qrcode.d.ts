// The part of `qrcode` the renderer uses (its browser build: QRCode.create, no canvas, no files).
// @types/qrcode pulls in Node's types for its file and stream API, which would let Node's globals
// compile in the renderer; renderer/tsconfig.json maps `qrcode` here instead.
declare const QRCode: {
  create(
    text: string,
    options?: { errorCorrectionLevel?: 'L' | 'M' | 'Q' | 'H' },
  ): {
    version: number;
    modules: { size: number; get(row: number, col: number): number | boolean };
  };
};
export default QRCode;
