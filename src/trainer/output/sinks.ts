/**
 * Where trainer events go: the parent process over IPC (when forked with a channel), JSON lines on
 * stdout (--json), or a readable log with a progress line on a terminal (not under IPC: the parent
 * renders the events).
 */
import type { TrainerEvent } from '../../core/protocol/trainerEvents';
import { formatEvent, progressLine } from './humanLog';

export interface EventSink {
  emit(event: TrainerEvent): void;
  /** Resolves once everything emitted has been handed to the OS / parent. */
  close(): Promise<void>;
}

export class IpcSink implements EventSink {
  private inFlight = 0;
  private drained: (() => void) | null = null;

  emit(event: TrainerEvent): void {
    if (!process.send || !process.connected) return;
    this.inFlight++;
    process.send(event, undefined, undefined, () => {
      this.inFlight--;
      if (this.inFlight === 0) this.drained?.();
    });
  }

  close(): Promise<void> {
    if (this.inFlight === 0 || !process.connected) return Promise.resolve();
    return new Promise((resolve) => (this.drained = resolve));
  }
}

export class JsonLinesSink implements EventSink {
  constructor(private readonly out: NodeJS.WritableStream = process.stdout) {}

  emit(event: TrainerEvent): void {
    this.out.write(`${JSON.stringify(event)}\n`);
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.write('', () => resolve()));
  }
}

/** Log lines; on a TTY, step events redraw one progress line instead of scrolling. */
export class HumanSink implements EventSink {
  private progressShown = false;

  constructor(
    private readonly out: NodeJS.WriteStream = process.stdout,
    private readonly isTty = Boolean(process.stdout.isTTY),
  ) {}

  emit(event: TrainerEvent): void {
    // Failures go to stderr as one line (trainCommand); repeating them here would only clutter.
    if (event.type === 'failed') return;
    if (event.type === 'step' && this.isTty) {
      this.out.write(`\r\x1b[2K${progressLine(event, this.out.columns ?? 100)}`);
      this.progressShown = true;
      return;
    }
    if (this.progressShown) {
      this.out.write('\n');
      this.progressShown = false;
    }
    this.out.write(`${formatEvent(event)}\n`);
  }

  close(): Promise<void> {
    if (this.progressShown) this.out.write('\n');
    return new Promise((resolve) => this.out.write('', () => resolve()));
  }
}

export class MultiSink implements EventSink {
  constructor(private readonly sinks: EventSink[]) {}

  emit(event: TrainerEvent): void {
    for (const s of this.sinks) s.emit(event);
  }

  async close(): Promise<void> {
    await Promise.all(this.sinks.map((s) => s.close()));
  }
}

/** A reader that goes away (`| head`) must not crash the run before it saves: drop further output instead. */
function ignoreBrokenPipe(stream: NodeJS.WriteStream): void {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
  });
}

export function chooseSinks(json: boolean): EventSink {
  ignoreBrokenPipe(process.stdout);
  const sinks: EventSink[] = [];
  const ipc = Boolean(process.send && process.connected);
  if (ipc) sinks.push(new IpcSink());
  // A parent listening over IPC (the extension) writes its own line for each event: printing them
  // here too would log every step and save twice. stdout then carries only what else is printed.
  if (json) sinks.push(new JsonLinesSink());
  else if (!ipc) sinks.push(new HumanSink());
  return new MultiSink(sinks);
}
