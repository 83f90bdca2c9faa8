// Text as characters, without Node: the vocabulary, the encoding and PTB batching, shared by the bench (text.ts
// reads the files) and by the browser (apps/playground trains the character GRU on the same text).

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
