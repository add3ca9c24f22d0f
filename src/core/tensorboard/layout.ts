/**
 * Where TensorBoard event files lie, without the decoders: the extension host's watcher and store
 * import this, and the reading itself (eventFiles.ts, protobufjs) stays in the reader workers.
 */
export const EVENT_FILE_PREFIX = 'events.out.tfevents.';
/** How many folders below a run folder its event files may lie (Hugging Face: `runs/<date>_<host>/`). */
export const EVENT_FILE_DEPTH = 2;
