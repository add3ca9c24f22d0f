/**
 * A few worker threads that run the workspace reads of the extension host (readerOps.ts), so a
 * hostile or huge file never blocks the host's thread. Each read gets a time budget from the moment
 * a ready worker takes it: a worker that overruns is terminated and replaced, and the read is
 * refused with the reason. A worker that dies (out of memory, a crash) refuses its read the same
 * way. vscode-free; the extension creates one pool and disposes it with itself.
 */
import { Worker } from 'node:worker_threads';
import {
  READER_OP_SCHEMAS,
  readerReplySchema,
  type ReaderFailure,
  type ReaderOp,
} from '../../core/protocol/readerWorker';

/** A read the pool did not let finish: over its time budget, its worker died, or the pool was disposed. */
export class ReadRefusedError extends Error {
  override readonly name = 'ReadRefusedError';
  constructor(
    readonly op: ReaderOp,
    /** Short and user-facing: "took longer than 2 s". */
    readonly reason: string,
    /**
     * The refusal says nothing about the file: the machine was busy (time budget), a thread died or
     * the extension is stopping, so the same read may succeed later. False where the file itself
     * is the cause (more memory than a worker has, an answer that breaks the protocol).
     */
    readonly byLoad: boolean = true,
  ) {
    super(reason);
  }
}

/** A read refused for the machine's load, not for the file: worth asking again later, not worth remembering. */
export function isLoadRefusal(err: unknown): boolean {
  return err instanceof ReadRefusedError && err.byLoad;
}

export interface ReaderPoolOptions {
  /** The bundled worker entry (dist/readerWorker.js). */
  workerScript: string;
  /** Worker threads (reads run in parallel up to this many). */
  size?: number;
  /** The time budget of each read, asked at every read so a changed setting applies at once. */
  budgetMs: () => number;
  /** Heap of one worker: a read that needs more is refused instead of growing the host's memory. */
  maxHeapMb?: number;
}

/** Per read: a budget of its own (a whole checkpoint hashed needs more than a listing), and a way to cancel it. */
export interface ReadOptions {
  budgetMs?: number;
  signal?: AbortSignal;
}

interface Job {
  id: number;
  op: ReaderOp;
  args: unknown[];
  options: ReadOptions;
  resolve(value: unknown): void;
  reject(error: Error): void;
}

interface Slot {
  worker: Worker;
  ready: boolean;
  job: Job | null;
  timer: NodeJS.Timeout | undefined;
}

const DEFAULT_SIZE = 2;
const DEFAULT_HEAP_MB = 512;

export function describeBudget(ms: number): string {
  return ms % 1000 === 0 ? `${ms / 1000} s` : `${ms} ms`;
}

/** An Error carrying what the worker reported, errno code included. */
function errorFrom(failure: ReaderFailure): Error {
  const error = new Error(failure.message) as NodeJS.ErrnoException;
  error.name = failure.name;
  if (failure.code !== undefined) error.code = failure.code;
  return error;
}

export class ReaderPool {
  private readonly slots = new Set<Slot>();
  private readonly queue: Job[] = [];
  private nextId = 1;
  private disposed = false;

  constructor(private readonly options: ReaderPoolOptions) {}

  run(op: ReaderOp, args: unknown[], options: ReadOptions = {}): Promise<unknown> {
    if (this.disposed) return Promise.reject(new ReadRefusedError(op, 'the extension is shutting down'));
    if (options.signal?.aborted) return Promise.reject(new ReadRefusedError(op, 'cancelled'));
    return new Promise((resolve, reject) => {
      const job: Job = { id: this.nextId++, op, args, options, resolve, reject };
      options.signal?.addEventListener('abort', () => this.cancel(job), { once: true });
      this.queue.push(job);
      this.pump();
    });
  }

  /** A cancelled read leaves the queue, or ends the thread that runs it (a read cannot be interrupted otherwise). */
  private cancel(job: Job): void {
    const queued = this.queue.indexOf(job);
    if (queued >= 0) {
      this.queue.splice(queued, 1);
      job.reject(new ReadRefusedError(job.op, 'cancelled'));
      return;
    }
    for (const slot of this.slots) if (slot.job === job) this.retire(slot, 'cancelled');
  }

  /** Threads alive now (for tests: a terminated worker is replaced, not leaked). */
  get threadCount(): number {
    return this.slots.size;
  }

  dispose(): void {
    this.disposed = true;
    for (const job of this.queue.splice(0)) job.reject(new ReadRefusedError(job.op, 'the extension is shutting down'));
    for (const slot of [...this.slots]) this.retire(slot, 'the extension is shutting down');
  }

  private pump(): void {
    if (this.disposed) return;
    for (const slot of this.slots) {
      if (this.queue.length === 0) return;
      if (slot.ready && !slot.job) this.dispatch(slot, this.queue.shift() as Job);
    }
    const waiting = this.queue.length - [...this.slots].filter((s) => !s.ready).length;
    for (let i = 0; i < waiting && this.slots.size < (this.options.size ?? DEFAULT_SIZE); i++) this.spawn();
  }

  private spawn(): void {
    const maxHeapMb = this.options.maxHeapMb ?? DEFAULT_HEAP_MB;
    const worker = new Worker(this.options.workerScript, { resourceLimits: { maxOldGenerationSizeMb: maxHeapMb } });
    const slot: Slot = { worker, ready: false, job: null, timer: undefined };
    this.slots.add(slot);
    worker.on('message', (raw: unknown) => this.onMessage(slot, raw));
    worker.on('error', (err: Error) => {
      const outOfMemory = (err as NodeJS.ErrnoException).code === 'ERR_WORKER_OUT_OF_MEMORY';
      this.retire(
        slot,
        outOfMemory ? `needed more than ${maxHeapMb} MB of memory` : `its reader thread failed: ${err.message}`,
        !outOfMemory,
      );
    });
    worker.on('exit', (code) => this.retire(slot, `its reader thread exited (code ${code})`));
  }

  private dispatch(slot: Slot, job: Job): void {
    slot.job = job;
    const budget = job.options.budgetMs ?? this.options.budgetMs();
    slot.timer = setTimeout(() => this.retire(slot, `took longer than ${describeBudget(budget)}`), budget);
    try {
      slot.worker.postMessage({ type: 'read', id: job.id, op: job.op, args: job.args });
    } catch (err) {
      // Arguments that cannot be cloned (a function, an fs object): this read cannot run in a worker.
      clearTimeout(slot.timer);
      slot.job = null;
      job.reject(err as Error);
      this.pump();
    }
  }

  private onMessage(slot: Slot, raw: unknown): void {
    const parsed = readerReplySchema.safeParse(raw);
    if (!parsed.success) {
      this.retire(slot, `its reader thread sent an invalid reply (${parsed.error.message})`, false);
      return;
    }
    const reply = parsed.data;
    if (reply.type === 'ready') {
      slot.ready = true;
      this.pump();
      return;
    }
    const job = slot.job;
    if (!job || job.id !== reply.id) return; // the answer to a read already refused
    clearTimeout(slot.timer);
    slot.job = null;
    if (reply.type === 'error') job.reject(errorFrom(reply.error));
    else {
      const checked = READER_OP_SCHEMAS[job.op]?.result.safeParse(reply.value);
      if (checked && !checked.success)
        job.reject(
          new ReadRefusedError(job.op, `its reader thread sent an invalid answer (${checked.error.message})`, false),
        );
      else job.resolve(reply.value);
    }
    this.pump();
  }

  /** Ends a worker: its read (if any) is refused with `reason`, and queued reads get a fresh worker. */
  private retire(slot: Slot, reason: string, byLoad = true): void {
    if (!this.slots.delete(slot)) return;
    clearTimeout(slot.timer);
    const job = slot.job;
    slot.job = null;
    void slot.worker.terminate();
    if (job) job.reject(new ReadRefusedError(job.op, reason, byLoad));
    else if (!slot.ready) {
      // It never started (a missing or broken bundle): refuse what waits rather than respawn forever.
      for (const waiting of this.queue.splice(0)) waiting.reject(new ReadRefusedError(waiting.op, reason, byLoad));
    }
    this.pump();
  }
}
