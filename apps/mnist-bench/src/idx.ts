import { gunzipSync } from 'node:zlib';
import { IdxFormatError, isGzip, parseUncompressedIdx, type IdxArray } from './idxFormat';

export { encodeIdx, IdxFormatError, isGzip, parseUncompressedIdx, type IdxArray, type IdxType } from './idxFormat';

/** Parses an IDX file's bytes (gzip-compressed or not). `file` names it in error messages. */
export function parseIdx(bytes: Uint8Array, file: string): IdxArray {
  let buf = bytes;
  if (isGzip(buf)) {
    try {
      buf = gunzipSync(buf);
    } catch (error) {
      throw new IdxFormatError(
        `${file}: corrupt gzip data (${(error as Error).message}); expected a gzip-compressed IDX file`,
      );
    }
  }
  return parseUncompressedIdx(buf, file);
}
