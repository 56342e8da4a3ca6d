// Grayscale images as inline PNG data URLs, so that the report shows search results as pictures
// and stays one self-contained file. A PNG is a signature and three chunks (IHDR, IDAT, IEND),
// each with a CRC-32; IDAT is the zlib stream of the scanlines, each led by filter byte 0.
import { deflateSync } from 'node:zlib';

const CRC_TABLE = (() => {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
})();

/** CRC-32 (ISO 3309, the one PNG and zlib's crc32 use). */
export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = CRC_TABLE[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, data: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  out.set(data, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}

/**
 * An 8-bit grayscale PNG of `pixels` (rows x cols, row-major, intensities in [0, 1], clamped), each
 * pixel drawn as a `scale` x `scale` block. `invert` draws ink dark on white.
 */
export function grayscalePng(pixels: ArrayLike<number>, rows: number, cols: number, options: { scale?: number; invert?: boolean } = {}): Buffer {
  if (!Number.isInteger(rows) || !Number.isInteger(cols) || rows < 1 || cols < 1) throw new RangeError(`rows and cols must be positive integers, got ${rows} x ${cols}`);
  if (pixels.length !== rows * cols) throw new RangeError(`pixels must have rows * cols = ${rows * cols} entries, got ${pixels.length}`);
  const scale = options.scale ?? 1;
  if (!Number.isInteger(scale) || scale < 1 || scale > 64) throw new RangeError(`scale must be an integer from 1 to 64, got ${scale}`);
  const width = cols * scale;
  const height = rows * scale;
  const raw = new Uint8Array(height * (width + 1));
  for (let y = 0; y < height; y++) {
    const line = y * (width + 1);
    for (let x = 0; x < width; x++) {
      const v = Math.min(1, Math.max(0, pixels[Math.floor(y / scale) * cols + Math.floor(x / scale)] || 0));
      raw[line + 1 + x] = Math.round((options.invert ? 1 - v : v) * 255);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 0; // colour type: grayscale
  const signature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
  return Buffer.concat([signature, chunk('IHDR', header), chunk('IDAT', deflateSync(raw)), chunk('IEND', new Uint8Array(0))]);
}

export function pngDataUrl(png: Buffer): string {
  return `data:image/png;base64,${png.toString('base64')}`;
}
