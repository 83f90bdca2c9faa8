import { createRng } from '@gradkit/core';
import { describe, expect, test } from '@gradkit/test-harness';
import { encodeWords, NUMBER, stripHeaders, tokenize, wordVocabulary } from './spam';
import { charVocabulary, encodeChars, mobyDick, normalizeText, ptbBatches, ptbWindowCount } from './text';
import { optimalCrossEntropies, ptbWindows, toySequence } from './toyData';

describe('text, tokens and batching', () => {
  test('Moby Dick: the whole book, and an explicit ASCII character vocabulary', () => {
    const raw = mobyDick();
    expect(raw.length).toBeGreaterThan(1_180_000);
    expect(raw.startsWith('Call me Ishmael.')).toBe(true);
    const text = normalizeText(raw);
    const vocab = charVocabulary(text);
    expect(vocab.chars.every((c) => c === '\n' || c === '\t' || (c >= ' ' && c <= '~'))).toBe(true);
    expect(normalizeText('ago—never “so” ‘it’ Œ')).toBe(`ago--never "so" 'it' OE`);
    expect(Array.from(encodeChars('aba', charVocabulary('ab')))).toEqual([0, 1, 0]);
  });

  test('PTB batching: every token of a row appears once per epoch as input, targets are inputs shifted by one', () => {
    const ids = Int32Array.from({ length: 103 }, (_, i) => i);
    const [batch, steps] = [4, 5];
    const seen: number[] = [];
    for (const { x, y } of ptbBatches(ids, batch, steps)) {
      expect(Array.from(y)).toEqual(Array.from(x).map((v) => v + 1)); // ids are positions: the next token is +1
      seen.push(...x);
    }
    // rows of ⌊103/4⌋ = 25 tokens; 4 windows of 5 inputs cover positions 0..19 of each row (20..24 are the tail
    // that does not fill a window, and each row's last token is only ever a target)
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBe(4 * 4 * 5);
    for (const n of [103, 104, 106, 24]) {
      expect(ptbWindowCount(n, batch, steps)).toBe(
        [
          ...ptbBatches(
            Int32Array.from({ length: n }, (_, i) => i),
            batch,
            steps,
          ),
        ].length,
      );
    }
    expect(ptbWindowCount(103, batch, steps, 2)).toBe(2);
    expect(ptbWindowCount(103, batch, steps, 9)).toBe(4);
  });

  test('tokenizer: lowercase words, numbers as <#>, symbols on their own; vocabulary with PAD 0 and UNK 1', () => {
    expect(tokenize("Don't pay $1,000.00 NOW!! see http://x.com")).toEqual([
      "don't",
      'pay',
      '$',
      NUMBER,
      'now',
      '!',
      '!',
      'see',
      'http',
      ':',
      '/',
      '/',
      'x',
      '.',
      'com',
    ]);
    const vocab = wordVocabulary(
      [
        ['a', 'b', 'a'],
        ['c', 'a', 'b'],
      ],
      4,
    );
    expect(vocab.words).toEqual(['<pad>', '<unk>', 'a', 'b']);
    expect(encodeWords(['a', 'c', 'b', 'a'], vocab, 3)).toEqual([2, 1, 3]);
    expect(stripHeaders('From: x\r\nSubject: y\r\n\r\nHello\n\nthere')).toBe('Hello\n\nthere');
  });

  test('toy data (post 2): the optimal cross-entropies, and P(y = 1) follows the generating rule', () => {
    const o = optimalCrossEntropies();
    expect(o.none).toBeCloseTo(0.661563, 6);
    expect(o.t3).toBeCloseTo(0.519167, 6);
    expect(o.both).toBeCloseTo(0.454454, 6);
    const { x, y } = toySequence(200_000, createRng(1));
    let hits = 0;
    let total = 0;
    for (let t = 8; t < x.length; t++) {
      if (x[t - 3] === 1 && x[t - 8] === 0) {
        total += 1;
        hits += y[t] as number;
      }
    }
    expect(Math.abs(hits / total - 1)).toBeLessThan(1e-9); // P = 0.5 + 0.5 = 1 exactly
    const windows = [...ptbWindows(x.subarray(0, 1000), y.subarray(0, 1000), 10, 5)];
    expect(windows).toHaveLength(20);
  });
});
