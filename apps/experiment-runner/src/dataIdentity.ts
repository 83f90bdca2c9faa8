import { createHash } from 'node:crypto';

/**
 * A content key for a dataset: SHA-256 over each part's bytes (in the order given, each prefixed by its length)
 * and a description of the input shape, as `sha256:<first 16 hex digits>`. Two runs share a key only if they read
 * the same values as the same shape, whatever the files were called, where they were, or how they were compressed.
 */
export function contentKey(parts: ArrayBufferView[], shape: string): string {
  const hash = createHash('sha256');
  for (const part of parts) {
    hash.update(`${part.byteLength}:`);
    hash.update(new Uint8Array(part.buffer, part.byteOffset, part.byteLength));
  }
  hash.update(`shape:${shape}`);
  return `sha256:${hash.digest('hex').slice(0, 16)}`;
}
