import { gzipSync } from 'node:zlib';
import { describe, expect, test } from '@gradkit/test-harness';
import { encodeIdx, IdxFormatError, parseIdx } from './idx';

const images = encodeIdx('ubyte', [2, 2, 3], Uint8Array.from([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]));

describe('parseIdx', () => {
  test('reads a ubyte file: shape and values', () => {
    const a = parseIdx(images, 'x.idx');
    expect(a.type).toBe('ubyte');
    expect(a.shape).toEqual([2, 2, 3]);
    expect(Array.from(a.data)).toEqual([0, 1, 2, 3, 4, 5, 250, 251, 252, 253, 254, 255]);
  });

  test('reads the same file gzipped', () => {
    expect(Array.from(parseIdx(gzipSync(images), 'x.gz').data)).toEqual(Array.from(parseIdx(images, 'x').data));
  });

  test('reads big-endian int and float data', () => {
    const bytes = Uint8Array.from([0, 0, 0x0c, 1, 0, 0, 0, 2, 0xff, 0xff, 0xff, 0xfe, 0, 0, 1, 0]);
    expect(Array.from(parseIdx(bytes, 'ints').data)).toEqual([-2, 256]);
    const f = Uint8Array.from([0, 0, 0x0d, 1, 0, 0, 0, 1, 0x3f, 0xc0, 0, 0]);
    expect(Array.from(parseIdx(f, 'floats').data)).toEqual([1.5]);
  });

  test('a wrong magic number names the file and the expected header', () => {
    const bad = Uint8Array.from(images);
    bad[2] = 0x42;
    expect(() => parseIdx(bad, 'train-images')).toThrow(IdxFormatError);
    expect(() => parseIdx(bad, 'train-images')).toThrow(
      /^train-images: magic number 0x00004203 is not an IDX header; expected 0x0000TTDD/,
    );
    expect(() => parseIdx(Uint8Array.from([0x50, 0x4b, 3, 4, 0, 0, 0, 0]), 'a.zip')).toThrow(
      /^a\.zip: magic number 0x504b0304 is not an IDX header/,
    );
  });

  test('truncated files: header and data', () => {
    expect(() => parseIdx(Uint8Array.from([0, 0]), 'f')).toThrow('f: 2 bytes; expected at least a 4-byte IDX header');
    expect(() => parseIdx(images.subarray(0, 10), 'f')).toThrow(
      'f: truncated header (10 bytes); expected 16 for 3 dimensions',
    );
    expect(() => parseIdx(images.subarray(0, images.length - 1), 'f')).toThrow(
      'f: truncated: 27 bytes, expected 28 for ubyte data of shape [2,2,3]',
    );
  });

  test('trailing bytes and corrupt gzip data are errors', () => {
    const long = new Uint8Array(images.length + 3);
    long.set(images);
    expect(() => parseIdx(long, 'f')).toThrow('f: 3 bytes after the data; expected exactly 28 bytes for shape [2,2,3]');
    const gz = gzipSync(images);
    expect(() => parseIdx(gz.subarray(0, gz.length - 8), 'f.gz')).toThrow(/^f\.gz: corrupt gzip data/);
  });
});
