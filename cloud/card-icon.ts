import { crc32, deflateSync } from 'node:zlib';

/**
 * The card's icon as a PNG of any size: the home-screen icon of the installed card (the web app
 * manifest) and the icon and logo of an Apple Wallet pass, which must be PNG. Drawn here, a green
 * square with a white stamp ring, so the hub ships no image files and needs no image library.
 */

const GREEN = [0x1f, 0x6f, 0x4a] as const;
const WHITE = [0xff, 0xff, 0xff] as const;

function chunk(type: string, data: Buffer): Buffer {
  const head = Buffer.alloc(8);
  head.writeUInt32BE(data.length, 0);
  head.write(type, 4, 'ascii');
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(Buffer.concat([head.subarray(4), data])), 0);
  return Buffer.concat([head, data, crc]);
}

/** A size × size RGB PNG of the card icon. */
export function cardIconPng(size: number): Buffer {
  if (!Number.isInteger(size) || size < 16 || size > 1024) throw new Error(`icon size ${size}: a whole number of pixels from 16 to 1024`);
  const rows = Buffer.alloc(size * (1 + size * 3));
  const centre = (size - 1) / 2;
  const outer = size * 0.32;
  const inner = size * 0.22;
  for (let y = 0; y < size; y++) {
    const row = y * (1 + size * 3);
    rows[row] = 0; // filter: none
    for (let x = 0; x < size; x++) {
      const d = Math.hypot(x - centre, y - centre);
      const [r, g, b] = (d <= outer && d >= inner) || d <= size * 0.08 ? WHITE : GREEN;
      rows.writeUInt8(r, row + 1 + x * 3);
      rows.writeUInt8(g, row + 2 + x * 3);
      rows.writeUInt8(b, row + 3 + x * 3);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.writeUInt8(8, 8); // bit depth
  header.writeUInt8(2, 9); // colour type: RGB
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(rows)),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
