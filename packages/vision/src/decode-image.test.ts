import { crc32 } from 'node:zlib';
import sharp from 'sharp';
import { describe, expect, it } from 'vitest';
import { decodeImage, sniffImageFormat } from './decode-image.ts';
import { ImageRejectedError } from './image-rejected-error.ts';

async function rejection(buf: Uint8Array, options = {}): Promise<string> {
  try {
    await decodeImage(buf, options);
  } catch (error) {
    if (error instanceof ImageRejectedError) return error.code;
    throw error;
  }
  throw new Error('the image was accepted');
}

function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** A valid PNG header declaring width × height, with a tiny body: nothing that size exists. */
function pngDeclaring(width: number, height: number): Buffer {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header.set([8, 2, 0, 0, 0], 8); // 8-bit RGB, no interlace
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', Buffer.from([0x78, 0x9c, 0x03, 0x00, 0x00, 0x00, 0x00, 0x01])),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

const red = { r: 220, g: 20, b: 20 };

describe('decodeImage', () => {
  it('decodes a JPEG to RGB and downscales it once to maxSide', async () => {
    const jpeg = await sharp({ create: { width: 1200, height: 600, channels: 3, background: red } })
      .jpeg()
      .toBuffer();
    const image = await decodeImage(jpeg, { maxSide: 512 });
    expect([image.width, image.height]).toEqual([512, 256]);
    expect(image.data.length).toBe(512 * 256 * 3);
    expect(image.data[0]).toBeGreaterThan(200);
  });

  it('accepts PNG with transparency (flattened onto white), WebP and AVIF', async () => {
    const transparent = await sharp({
      create: { width: 8, height: 8, channels: 4, background: { r: 0, g: 0, b: 0, alpha: 0 } },
    })
      .png()
      .toBuffer();
    expect(Array.from((await decodeImage(transparent)).data.slice(0, 3))).toEqual([255, 255, 255]);
    const source = sharp({ create: { width: 16, height: 16, channels: 3, background: red } });
    expect((await decodeImage(await source.clone().webp().toBuffer())).width).toBe(16);
    const avif = await source.clone().avif().toBuffer();
    expect(sniffImageFormat(avif)).toBe('avif');
    expect((await decodeImage(avif)).width).toBe(16);
  });

  it('refuses text sent as a JPEG', async () => {
    expect(await rejection(Buffer.from('this is not a picture, just text named photo.jpg'))).toBe(
      'image_unsupported_format',
    );
  });

  it('refuses a GIF', async () => {
    const gif = await sharp({ create: { width: 8, height: 8, channels: 3, background: red } })
      .gif()
      .toBuffer();
    expect(await rejection(gif)).toBe('image_unsupported_format');
  });

  it('refuses an empty upload', async () => {
    expect(await rejection(new Uint8Array(0))).toBe('image_empty');
  });

  it('refuses a truncated JPEG', async () => {
    const noise = Buffer.alloc(256 * 256 * 3);
    for (let i = 0; i < noise.length; i++) noise[i] = (i * 2654435761) >>> 24;
    const jpeg = await sharp(noise, { raw: { width: 256, height: 256, channels: 3 } })
      .jpeg()
      .toBuffer();
    expect(await rejection(jpeg.subarray(0, Math.floor(jpeg.length / 2)))).toBe('image_corrupt');
  });

  it('refuses a 20000×20000 PNG from its header, without decoding it', async () => {
    const bomb = pngDeclaring(20000, 20000);
    expect(bomb.length).toBeLessThan(100);
    const before = process.memoryUsage().rss;
    expect(await rejection(bomb, { maxPixels: 50_000_000 })).toBe('image_too_large');
    expect(process.memoryUsage().rss - before).toBeLessThan(200 * 1024 * 1024);
  });

  it('applies the EXIF orientation', async () => {
    // left half red, right half blue, stored with "rotate 90° clockwise to display"
    const stored = await sharp({
      create: { width: 40, height: 20, channels: 3, background: { r: 0, g: 0, b: 255 } },
    })
      .composite([
        { input: { create: { width: 20, height: 20, channels: 3, background: red } }, left: 0, top: 0 },
      ])
      .jpeg()
      .withMetadata({ orientation: 6 })
      .toBuffer();
    const image = await decodeImage(stored);
    expect([image.width, image.height]).toEqual([20, 40]);
    const pixel = (x: number, y: number) =>
      Array.from(image.data.slice((y * 20 + x) * 3, (y * 20 + x) * 3 + 3));
    expect(pixel(10, 5)[0]).toBeGreaterThan(180); // red is now on top
    expect(pixel(10, 35)[2]).toBeGreaterThan(180); // blue at the bottom
  });
});
