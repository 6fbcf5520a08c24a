import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { type ImageFormat, readImageSize, sniffImageFormat } from './image-format.ts';

function render(format: ImageFormat, width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: { r: 200, g: 40, b: 10 } } })
    .toFormat(format)
    .toBuffer();
}

/** An ISO-BMFF `ftyp` box with the given major and compatible brands. */
function ftyp(major: string, ...compatible: string[]): Buffer {
  const box = Buffer.alloc(16 + 4 * compatible.length);
  box.writeUInt32BE(box.length, 0);
  box.write(`ftyp${major}`, 4, 'latin1');
  for (const [i, brand] of compatible.entries()) box.write(brand, 16 + 4 * i, 'latin1');
  return Buffer.concat([box, Buffer.alloc(64)]);
}

describe('sniffImageFormat', () => {
  it.each(['jpeg', 'png', 'webp', 'avif', 'gif'] as const)(
    'recognises a real %s by its bytes',
    async (format) => {
      expect(sniffImageFormat(await render(format))).toBe(format);
    },
  );

  it('recognises AVIF named as a compatible brand only', () => {
    expect(sniffImageFormat(ftyp('mif1', 'miaf', 'avif'))).toBe('avif');
  });

  it.each([
    ['an HTML page', Buffer.from('<!doctype html><html><body>Not found</body></html>')],
    ['an SVG', Buffer.from('<svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"/>')],
    ['a HEIC photo', ftyp('heic', 'mif1', 'heic')],
    ['a RIFF file that is not WebP', Buffer.from('RIFF\x10\x00\x00\x00WAVEfmt ', 'latin1')],
    ['a PDF', Buffer.from('%PDF-1.7\n')],
    ['nothing', Buffer.alloc(0)],
    ['two bytes of a JPEG', Buffer.from([0xff, 0xd8])],
  ])('refuses %s', (_what, bytes) => {
    expect(sniffImageFormat(bytes)).toBeNull();
  });
});

describe('readImageSize', () => {
  it('reads the dimensions of each format', async () => {
    for (const format of ['jpeg', 'png', 'webp', 'avif', 'gif'] as const) {
      expect(await readImageSize(await render(format, 64, 48))).toEqual({ width: 64, height: 48 });
    }
  });

  it('answers null for a header that is garbage after the magic numbers', async () => {
    const jpegMagicThenNoise = Buffer.concat([
      Buffer.from([0xff, 0xd8, 0xff, 0x00]),
      Buffer.alloc(200, 0x5a),
    ]);
    expect(await readImageSize(jpegMagicThenNoise)).toBeNull();
  });
});
