/**
 * `trainer_state.json` of a Hugging Face Trainer checkpoint. Only the fields we show are checked;
 * the rest (stateful_callbacks, total_flos, trial_params ...) pass through untouched, since every
 * transformers release adds some.
 */
import * as z from 'zod';
import { jsonDepthExceeds, readBoundedText } from '../limits/boundedFile';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';

const logEntrySchema = z.looseObject({
  step: z.number().int().nonnegative(),
  epoch: z.number().nullable().optional(),
  loss: z.number().nullable().optional(),
  learning_rate: z.number().nullable().optional(),
  eval_loss: z.number().nullable().optional(),
});

const trainerStateSchema = z.looseObject({
  global_step: z.number().int().nonnegative(),
  epoch: z.number().nullable().optional(),
  max_steps: z.number().int().optional(),
  log_history: z.array(logEntrySchema).default([]),
  best_metric: z.number().nullable().optional(),
  best_model_checkpoint: z.string().nullable().optional(),
});

/**
 * A JSON string (an unclosed one runs to the end, so a hostile file is still scanned once), or a
 * bare NaN / Infinity / -Infinity where a value stands, with the `:`, `[` or `,` before it (group 1,
 * kept). Matched forwards: a lookbehind over the spaces would scan a long run of them once per space.
 */
const NON_FINITE_OR_STRING = /"(?:[^"\\]|\\[^])*(?:"|\\?$)|([:[,]\s*)-?(?:NaN|Infinity)(?=\s*[,}\]])/g;

export type HfLogEntry = z.infer<typeof logEntrySchema>;
export type HfTrainerState = z.infer<typeof trainerStateSchema>;

/** Parses trainer_state.json text; throws an Error naming the file and the first bad field. */
export function parseTrainerState(text: string, path: string): HfTrainerState {
  if (jsonDepthExceeds(text, READ_LIMITS.jsonDepth))
    throw new ReadLimitError(path, 'JSON nesting', READ_LIMITS.jsonDepth, 'is deeper than allowed');
  let raw: unknown;
  try {
    // Python's json writes NaN/Infinity for non-finite losses; JSON.parse does not accept them.
    // Strings are matched whole first so that the same words inside a string stay as written.
    raw = JSON.parse(
      text.replace(NON_FINITE_OR_STRING, (m, before: string | undefined) =>
        before === undefined ? m : `${before}null`,
      ),
    );
  } catch (error) {
    throw new Error(
      `${path}: not valid JSON (${(error as Error).message}); a truncated save? Delete the checkpoint or restore the file`,
    );
  }
  const result = trainerStateSchema.safeParse(raw);
  if (!result.success) {
    const issue = result.error.issues[0];
    const field = issue?.path.join('.') || '(root)';
    throw new Error(`${path}: field "${field}": ${issue?.message ?? 'invalid'}`);
  }
  return result.data;
}

export async function readTrainerState(path: string): Promise<HfTrainerState> {
  return parseTrainerState(await readBoundedText(path, READ_LIMITS.jsonFileBytes), path);
}
