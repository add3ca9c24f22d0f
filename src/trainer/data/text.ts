import { readFileSync } from 'node:fs';
import { Rng } from '../util/rng';
import { DataError, type TextDataset } from './types';

/** Every window of seqLen + 1 characters is one example: the model predicts characters 1..seqLen from 0..seqLen-1. */
export function textDataset(
  text: string,
  seqLen: number,
  description: Record<string, unknown>,
  given?: { vocab: string[]; path: string },
): TextDataset {
  const chars = Array.from(text);
  const vocab = given?.vocab ?? [...new Set(chars)].sort();
  const index = new Map(vocab.map((c, i) => [c, i]));
  if (given) checkCharacters(chars, index, given.path);
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

/** Evaluation text must use the training text's characters: the model has an output only for those. */
function checkCharacters(chars: string[], index: ReadonlyMap<string, number>, path: string): void {
  let line = 1;
  for (const c of chars) {
    if (!index.has(c)) {
      throw new DataError(
        `${path}:${line}: character ${JSON.stringify(c)} does not occur in the training text, so the model cannot predict it; remove it from eval_data or add it to the training data`,
        path,
        line,
        'eval_data.path',
      );
    }
    if (c === '\n') line++;
  }
}

/** Held-out text read with the training data's vocabulary (config eval_data). */
export function loadEvalTextFile(path: string, seqLen: number, vocab: string[]): TextDataset {
  return textDataset(readTextFile(path, seqLen, 'eval_data'), seqLen, { type: 'text', path }, { vocab, path });
}

export function loadTextFile(path: string, seqLen: number): TextDataset {
  return textDataset(readTextFile(path, seqLen, 'data'), seqLen, { type: 'text', path });
}

function readTextFile(path: string, seqLen: number, section: 'data' | 'eval_data'): string {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new DataError(
      `${path}: cannot read the text file (${(e as Error).message}); fix ${section}.path`,
      path,
      undefined,
      `${section}.path`,
    );
  }
  if (Array.from(text).length < seqLen + 2) {
    throw new DataError(
      `${path}: ${text.length} characters is too short for seq_len ${seqLen}; use a longer file or a smaller ${section}.seq_len`,
      path,
      undefined,
      `${section}.seq_len`,
    );
  }
  return text;
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
