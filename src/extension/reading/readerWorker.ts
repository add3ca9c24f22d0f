/**
 * Entry of a reader worker thread (bundled as dist/readerWorker.js): answers each validated read
 * request with the reader's value or its error. A read that overruns its time budget is ended by the
 * pool terminating this thread, so nothing here keeps time.
 */
import { parentPort } from 'node:worker_threads';
import { READER_OP_SCHEMAS, readerRequestSchema, type ReaderReply } from '../../core/protocol/readerWorker';
import { runReaderOp, transferablesOf, type ReaderArgs } from './readerOps';

const port = parentPort;
if (!port) throw new Error('readerWorker.js runs as a worker thread of the extension host');

const reply = (message: ReaderReply, transfer: ArrayBuffer[] = []): void => port.postMessage(message, transfer);

port.on('message', (raw: unknown) => {
  const parsed = readerRequestSchema.safeParse(raw);
  if (!parsed.success) {
    const id = typeof (raw as { id?: unknown })?.id === 'number' ? (raw as { id: number }).id : 0;
    reply({
      type: 'error',
      id,
      error: { name: 'ProtocolError', message: `invalid read request: ${parsed.error.message}` },
    });
    return;
  }
  const { id, op, args } = parsed.data;
  const fail = (err: unknown): void => {
    const e = err instanceof Error ? err : new Error(String(err));
    const code = (e as NodeJS.ErrnoException).code;
    reply({
      type: 'error',
      id,
      error: { name: e.name, message: e.message, ...(typeof code === 'string' ? { code } : {}) },
    });
  };
  const argsCheck = READER_OP_SCHEMAS[op]?.args.safeParse(args);
  if (argsCheck && !argsCheck.success) {
    reply({
      type: 'error',
      id,
      error: { name: 'ProtocolError', message: `invalid arguments for ${op}: ${argsCheck.error.message}` },
    });
    return;
  }
  runReaderOp(op, args as ReaderArgs<typeof op>).then((value) => {
    try {
      reply({ type: 'result', id, value }, transferablesOf(op, value));
    } catch (err) {
      fail(err); // a value that cannot be cloned
    }
  }, fail);
});
reply({ type: 'ready' });
