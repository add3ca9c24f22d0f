/**
 * The limits every reader of workspace files checks before it allocates or recurses: one place, so
 * a hostile or broken file (a header that claims gigabytes, a billion-laughs YAML, a pickle that
 * inflates to millions of objects) is refused with a clear error instead of aborting the process.
 * Each limit is far above anything the trainer, PyTorch or Hugging Face write.
 */
export const READ_LIMITS = {
  /** A checkpoint manifest lists a handful of files. */
  manifestBytes: 4 * 1024 * 1024,
  manifestEntries: 10_000,
  /** trainer_state.json, optimizer_state.json, scheduler.json, metadata.json, index files. */
  jsonFileBytes: 64 * 1024 * 1024,
  /** Nesting of any JSON document read (arrays and objects). */
  jsonDepth: 256,
  /** The safetensors reference reader refuses larger headers too. */
  safetensorsHeaderBytes: 100_000_000,
  /** One metrics.jsonl record; longer lines are skipped and reported. */
  metricsLineBytes: 1024 * 1024,
  /** Distinct metric names in one metrics.jsonl (each keeps its own columns). */
  metricNames: 1_000,
  /** How much of an appended metrics file one read takes at a time. */
  metricsChunkBytes: 1024 * 1024,
  /** A YAML config: its size, nesting and alias expansion. */
  configBytes: 4 * 1024 * 1024,
  configDepth: 64,
  configAliases: 100,
  /** rng_state_<rank>.pth: ranks beyond this are not a real job. */
  rngRanks: 1_000_000,
  /** Zip central directory of a torch archive. */
  zipCentralDirectoryBytes: 64 * 1024 * 1024,
  zipEntries: 1_000_000,
  /** Values one pickle may build, its MARK nesting, and the bytes of one integer. */
  pickleValues: 1_000_000,
  pickleDepth: 1_000,
  pickleIntegerBytes: 1024,
  /** One TFRecord of a TensorBoard event file; larger ones (big images) are skipped, not read. */
  tfRecordBytes: 16 * 1024 * 1024,
  /** How much of an event file one read takes at a time. */
  tfEventsChunkBytes: 1024 * 1024,
  /** Folders and event files looked at when searching a run folder for TensorBoard logs. */
  tfEventsDirEntries: 10_000,
} as const;

/** A file exceeds one of READ_LIMITS: the message names the file, the field and the limit. */
export class ReadLimitError extends Error {
  override readonly name = 'ReadLimitError';
  constructor(
    readonly file: string,
    readonly field: string,
    readonly limit: number,
    detail: string,
  ) {
    super(`${file}: ${field} ${detail} (limit ${limit}); the file is corrupt or not what it claims to be`);
  }
}
