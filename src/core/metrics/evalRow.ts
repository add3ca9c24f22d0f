/**
 * The shape of an evaluation's row in a run's `metrics.jsonl` (config `eval_split`): one source for
 * the trainer that writes it and the readers that chart it. A row is an evaluation when it has
 * `eval_loss` and no `loss` (as in Hugging Face's log_history); training rows have `loss`.
 */
export interface EvalMetricsRow {
  step: number;
  epoch: number;
  /** Mean loss over the held-out examples; null when not finite (JSON has no NaN). */
  eval_loss: number | null;
  /** Share of held-out rows (characters, for the language models) predicted right; classification only. */
  eval_accuracy?: number;
  /** Held-out examples evaluated. */
  eval_examples: number;
  /** Seconds the evaluation took (Hugging Face's name). */
  eval_runtime: number;
  /** Unix seconds, as in training rows. */
  wall_time: number;
  /** Seconds since this trainer process started training. */
  elapsed: number;
}

/** Whether a parsed metrics.jsonl record is an evaluation row rather than a training row or an event. */
export function isEvalRow(record: Record<string, unknown>): boolean {
  return record['loss'] === undefined && record['event'] === undefined && 'eval_loss' in record;
}
