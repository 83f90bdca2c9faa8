// The IDX format without Node: parsing and encoding shared by the bench (idx.ts adds gzip through node:zlib)
// and by the browser (apps/playground reads the same files over HTTP).

/**
 * The IDX format (LeCun's MNIST files): a 4-byte magic number — two zero bytes, a type code, the number of
 * dimensions — then one big-endian uint32 per dimension, then the values, big-endian, row-major.
 */
const TYPES = {
  0x08: { name: 'ubyte', size: 1 },
  0x09: { name: 'byte', size: 1 },
  0x0b: { name: 'short', size: 2 },
  0x0c: { name: 'int', size: 4 },
  0x0d: { name: 'float', size: 4 },
  0x0e: { name: 'double', size: 8 },
} as const;

export type IdxType = (typeof TYPES)[keyof typeof TYPES]['name'];

export interface IdxArray {
  type: IdxType;
  shape: number[];
  /** The values; for `ubyte` the bytes themselves, without a copy. */
  data: Uint8Array | Int8Array | Int16Array | Int32Array | Float32Array | Float64Array;
}

/** Thrown for a file that is not a valid IDX file; the message names the file and what was expected. */
export class IdxFormatError extends Error {
  override name = 'IdxFormatError';
}

const hex = (n: number, width: number) => `0x${n.toString(16).padStart(width, '0')}`;

/** Whether `bytes` start with gzip's magic number (1f 8b). */
export function isGzip(bytes: Uint8Array): boolean {
  return bytes.length >= 2 && bytes[0] === 0x1f && bytes[1] === 0x8b;
}

/**
 * Parses an uncompressed IDX file's bytes (the browser-safe part of {@link parseIdx} in `idx.ts`, which also
 * gunzips). `file` names it in error messages.
 */
export function parseUncompressedIdx(buf: Uint8Array, file: string): IdxArray {
  if (buf.length < 4) throw new IdxFormatError(`${file}: ${buf.length} bytes; expected at least a 4-byte IDX header`);
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const magic = view.getUint32(0);
  const typeCode = buf[2] as number;
  const ndims = buf[3] as number;
  const type = TYPES[typeCode as keyof typeof TYPES];
  if (buf[0] !== 0 || buf[1] !== 0 || type == null || ndims === 0) {
    throw new IdxFormatError(
      `${file}: magic number ${hex(magic, 8)} is not an IDX header; expected 0x0000TTDD with type TT in 08,09,0b,0c,0d,0e and DD ≥ 1 dimensions (e.g. 0x00000803 for images)`,
    );
  }
  const headerBytes = 4 + 4 * ndims;
  if (buf.length < headerBytes)
    throw new IdxFormatError(
      `${file}: truncated header (${buf.length} bytes); expected ${headerBytes} for ${ndims} dimensions`,
    );
  const shape = Array.from({ length: ndims }, (_, i) => view.getUint32(4 + 4 * i));
  const count = shape.reduce((a, b) => a * b, 1);
  const expected = headerBytes + count * type.size;
  if (buf.length < expected) {
    throw new IdxFormatError(
      `${file}: truncated: ${buf.length} bytes, expected ${expected} for ${type.name} data of shape [${shape.join(',')}]`,
    );
  }
  if (buf.length > expected) {
    throw new IdxFormatError(
      `${file}: ${buf.length - expected} bytes after the data; expected exactly ${expected} bytes for shape [${shape.join(',')}]`,
    );
  }
  return { type: type.name, shape, data: readValues(view, headerBytes, count, type.name) };
}

function readValues(view: DataView, offset: number, count: number, type: IdxType): IdxArray['data'] {
  switch (type) {
    case 'ubyte':
      return new Uint8Array(view.buffer, view.byteOffset + offset, count);
    case 'byte':
      return new Int8Array(view.buffer.slice(view.byteOffset + offset, view.byteOffset + offset + count));
    case 'short':
      return Int16Array.from({ length: count }, (_, i) => view.getInt16(offset + 2 * i));
    case 'int':
      return Int32Array.from({ length: count }, (_, i) => view.getInt32(offset + 4 * i));
    case 'float':
      return Float32Array.from({ length: count }, (_, i) => view.getFloat32(offset + 4 * i));
    case 'double':
      return Float64Array.from({ length: count }, (_, i) => view.getFloat64(offset + 8 * i));
  }
}

/** Encodes an array as IDX bytes (used by tests and to write small datasets). */
export function encodeIdx(type: 'ubyte', shape: number[], data: Uint8Array): Uint8Array {
  const header = new DataView(new ArrayBuffer(4 + 4 * shape.length));
  header.setUint8(2, type === 'ubyte' ? 0x08 : 0);
  header.setUint8(3, shape.length);
  shape.forEach((d, i) => header.setUint32(4 + 4 * i, d));
  const out = new Uint8Array(header.byteLength + data.length);
  out.set(new Uint8Array(header.buffer), 0);
  out.set(data, header.byteLength);
  return out;
}
