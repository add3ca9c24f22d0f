import { readFileSync } from 'node:fs';
import { Rng } from '../util/rng';
import { DataError, type TextDataset } from './types';

/** Every window of seqLen + 1 characters is one example: the model predicts characters 1..seqLen from 0..seqLen-1. */
export function textDataset(text: string, seqLen: number, description: Record<string, unknown>): TextDataset {
  const chars = Array.from(text);
  const vocab = [...new Set(chars)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  const ids = Uint16Array.from(chars, (c) => index.get(c)!);
  const size = ids.length - seqLen;
  const v = vocab.length;
  return {
    kind: 'text',
    seqLen,
    vocab,
    size,
    batch(indices) {
      const n = indices.length;
      const x = new Float32Array(n * seqLen * v);
      const y = new Float32Array(n * seqLen * v);
      for (let b = 0; b < n; b++) {
        const start = indices[b]!;
        for (let t = 0; t < seqLen; t++) {
          x[(b * seqLen + t) * v + ids[start + t]!] = 1;
          y[(b * seqLen + t) * v + ids[start + t + 1]!] = 1;
        }
      }
      return { x, xShape: [n, seqLen, v], y, yShape: [n, seqLen, v] };
    },
    describe: () => ({ ...description, characters: ids.length, vocab: v, seq_len: seqLen, size }),
  };
}

export function loadTextFile(path: string, seqLen: number): TextDataset {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(`${path}: cannot read the text file (${(e as Error).message}); fix data.path`, path, undefined, 'data.path');
  }
  if (Array.from(text).length < seqLen + 2) {
    throw new DataError(`${path}: ${text.length} characters is too short for seq_len ${seqLen}; use a longer file or a smaller data.seq_len`, path, undefined, 'data.seq_len');
  }
  return textDataset(text, seqLen, { type: 'text', path });
}

const SUBJECTS = ['the cat', 'a dog', 'the model', 'my friend', 'the river', 'a small bird', 'the teacher'];
const VERBS = ['sees', 'likes', 'follows', 'finds', 'remembers', 'watches', 'helps'];
const OBJECTS = ['the ball', 'a tree', 'the light', 'an old book', 'the garden', 'the sea', 'a red kite'];
const ENDINGS = ['.', ' today.', ' again.', ' at night.', ' slowly.'];

/** A deterministic corpus of short sentences from a tiny grammar: structure for a char-LM to learn, no download. */
export function syntheticText(length: number, seqLen: number, seed: number): TextDataset {
  const rng = new Rng(seed);
  const pick = (xs: string[]): string => xs[rng.int(xs.length)]!;
  let text = '';
  while (text.length < length) text += `${pick(SUBJECTS)} ${pick(VERBS)} ${pick(OBJECTS)}${pick(ENDINGS)} `;
  return textDataset(text.slice(0, Math.max(length, seqLen + 2)), seqLen, { type: 'synthetic_text', seed });
}
