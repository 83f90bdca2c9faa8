// The checkpoint file format: the magic line, the JSON header (configuration, the run's state, each array's shape,
// dtype and offset), then every array's elements.

/** One saved array: a variable's or an optimizer slot's values. */
export interface CheckpointArray {
  shape: number[];
  dtype: 'float32' | 'int32';
  data: Float32Array | Int32Array;
}

/** What a run saves: its own progress as JSON (epoch, curves so far, RNG counters) and named arrays. */
export interface CheckpointData {
  state: unknown;
  arrays: Record<string, CheckpointArray>;
}

const MAGIC = 'gradkit-checkpoint 1\n';
const MAGIC_BYTES = new TextEncoder().encode(MAGIC);

interface Header {
  config: string;
  state: unknown;
  arrays: Record<string, { shape: number[]; dtype: 'float32' | 'int32'; offset: number; length: number }>;
}

/**
 * File layout: the magic line, a little-endian uint32 header length, the JSON header (configuration, state,
 * each array's shape, dtype and element offset), padding to 4 bytes, then every array's elements back to back.
 */
export function encodeCheckpoint(config: unknown, data: CheckpointData): Uint8Array {
  const arrays: Header['arrays'] = {};
  let offset = 0;
  for (const [name, a] of Object.entries(data.arrays)) {
    const size = a.shape.reduce((p, d) => p * d, 1);
    if (a.data.length !== size)
      throw new RangeError(
        `checkpoint array "${name}": ${a.data.length} values for shape [${a.shape.join(', ')}], expected ${size}`,
      );
    if (a.dtype !== 'float32' && a.dtype !== 'int32')
      throw new TypeError(`checkpoint array "${name}": dtype ${String(a.dtype)}, expected float32 or int32`);
    arrays[name] = { shape: a.shape, dtype: a.dtype, offset, length: size };
    offset += size;
  }
  const header = new TextEncoder().encode(
    JSON.stringify({ config: JSON.stringify(config), state: data.state, arrays } satisfies Header),
  );
  const magic = MAGIC_BYTES;
  const start = Math.ceil((magic.length + 4 + header.length) / 4) * 4;
  const bytes = new Uint8Array(start + 4 * offset);
  bytes.set(magic, 0);
  new DataView(bytes.buffer).setUint32(magic.length, header.length, true);
  bytes.set(header, magic.length + 4);
  for (const [name, a] of Object.entries(data.arrays)) {
    const at = start + 4 * (arrays[name] as { offset: number }).offset;
    bytes.set(new Uint8Array(a.data.buffer, a.data.byteOffset, a.data.byteLength), at);
  }
  return bytes;
}

/** Reads {@link encodeCheckpoint}'s bytes back; one-line errors name the file and what is wrong. */
export function decodeCheckpoint(bytes: Uint8Array, config: unknown, file: string): CheckpointData {
  const magic = MAGIC_BYTES;
  const bad = (what: string) =>
    new Error(`${file}: ${what}; expected a gradkit checkpoint (delete it to start the run from scratch)`);
  if (bytes.length < magic.length + 4 || new TextDecoder().decode(bytes.subarray(0, magic.length)) !== MAGIC)
    throw bad('not a checkpoint');
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(magic.length, true);
  if (magic.length + 4 + length > bytes.length) throw bad('truncated header');
  let header: Header;
  try {
    header = JSON.parse(
      new TextDecoder().decode(bytes.subarray(magic.length + 4, magic.length + 4 + length)),
    ) as Header;
  } catch {
    throw bad('unreadable header');
  }
  if (header.config !== JSON.stringify(config)) {
    throw new Error(
      `${file}: written by a run with another configuration (${header.config}); delete it or run without --resume`,
    );
  }
  const start = Math.ceil((magic.length + 4 + length) / 4) * 4;
  const arrays: Record<string, CheckpointArray> = {};
  for (const [name, a] of Object.entries(header.arrays)) {
    const from = start + 4 * a.offset;
    if (from + 4 * a.length > bytes.length) throw bad(`truncated array "${name}"`);
    const copy = new Uint8Array(4 * a.length); // a copy: a Buffer's slice() would share the file's memory
    copy.set(bytes.subarray(from, from + 4 * a.length));
    arrays[name] = {
      shape: a.shape,
      dtype: a.dtype,
      data: a.dtype === 'int32' ? new Int32Array(copy.buffer) : new Float32Array(copy.buffer),
    };
  }
  return { state: header.state, arrays };
}
