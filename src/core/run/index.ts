/** A run folder's own files (run.json, metrics.jsonl), its status and its best checkpoint. */
export * from './status';
export * from './runRecord';
export * from './bestCheckpoint';
