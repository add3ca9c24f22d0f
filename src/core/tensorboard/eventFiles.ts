/**
 * A run folder's TensorBoard logs, followed incrementally: the `events.out.tfevents.*` files in it
 * or up to two folders below it (Hugging Face's Trainer writes `runs/<date>_<host>/`, Keras writes
 * `train/` and `validation/`), each read on from where the last read stopped.
 *
 * Tag names: files in the run folder itself or in `runs/<session>/` (one logdir per Trainer
 * session, a resume adds one) give their tags as they are, so a resumed run continues its curves;
 * files anywhere else are prefixed with their folder ("validation/epoch_loss").
 */
import { readdir } from 'node:fs/promises';
import { join, relative, sep } from 'node:path';
import { READ_LIMITS } from '../limits/readLimits';
import { EventScalarDecoder, type ScalarPoint } from './eventScalars';
import { EVENT_FILE_DEPTH, EVENT_FILE_PREFIX } from './layout';
import { readTfRecords } from './tfRecord';

const SKIPPED_FOLDERS = /^(checkpoint-\d+|checkpoints|node_modules|\..*)$/;

/** Event files under runDir (sorted: their names start with the writer's start time). */
export async function findEventFiles(runDir: string): Promise<string[]> {
  const found: string[] = [];
  let budget = READ_LIMITS.tfEventsDirEntries;
  const visit = async (dir: string, depth: number): Promise<void> => {
    let entries;
    try {
      entries = await readdir(dir, { withFileTypes: true });
    } catch {
      return; // gone or unreadable: nothing to show from it
    }
    for (const entry of entries) {
      if (--budget < 0) return;
      if (entry.isFile() && entry.name.startsWith(EVENT_FILE_PREFIX)) found.push(join(dir, entry.name));
      else if (entry.isDirectory() && depth < EVENT_FILE_DEPTH && !SKIPPED_FOLDERS.test(entry.name))
        await visit(join(dir, entry.name), depth + 1);
    }
  };
  await visit(runDir, 0);
  return found.sort();
}

/** The prefix this file's tags get (see the module comment). */
export function tagPrefix(runDir: string, file: string): string {
  const dirs = relative(runDir, file).split(sep).slice(0, -1);
  if (dirs.length === 0 || (dirs.length === 2 && dirs[0] === 'runs')) return '';
  return `${dirs.join('/')}/`;
}

/**
 * Where the reading of one event file stands, as plain data: a read in a worker thread continues
 * where the last one (maybe in another thread) stopped.
 */
export interface EventFileCursor {
  path: string;
  offset: number;
  corrupt: string | null;
  plugins: Array<[tag: string, plugin: string]>;
}

/** One event file, read on from where the last read stopped. */
export class EventFileReader {
  private offset: number;
  private decoder: EventScalarDecoder;
  /** Why the file stopped being read (a corrupt record); null while it is followed. */
  corrupt: string | null;

  constructor(
    readonly path: string,
    private readonly prefix: string,
    from?: EventFileCursor,
  ) {
    this.offset = from?.offset ?? 0;
    this.corrupt = from?.corrupt ?? null;
    this.decoder = new EventScalarDecoder(from?.plugins);
  }

  cursor(): EventFileCursor {
    return { path: this.path, offset: this.offset, corrupt: this.corrupt, plugins: this.decoder.plugins() };
  }

  /** The scalars appended since the last read; problems found on the way are pushed to `problems`. */
  async readNew(problems: string[]): Promise<ScalarPoint[]> {
    if (this.corrupt) return [];
    const points: ScalarPoint[] = [];
    let badRecords = 0;
    const onRecord = (data: Buffer, at: number): void => {
      try {
        for (const p of this.decoder.decode(data)) points.push(this.prefix ? { ...p, tag: this.prefix + p.tag } : p);
      } catch (error) {
        if (badRecords++ === 0)
          problems.push(
            `${this.path}: record at byte ${at} is not a TensorBoard Event (${(error as Error).message}); skipped`,
          );
      }
    };
    let read = await readTfRecords(this.path, this.offset, onRecord);
    if (read.shrunk) {
      // Replaced by a new file of the same name: read it from its start.
      problems.push(`${this.path} is shorter than before (rewritten); read again from its start`);
      this.decoder = new EventScalarDecoder();
      read = await readTfRecords(this.path, 0, onRecord);
    }
    this.offset = read.offset;
    problems.push(...read.skipped);
    if (read.corrupt) {
      this.corrupt = read.corrupt;
      problems.push(read.corrupt);
    }
    return points;
  }
}

/** Every event file of a run folder; new files are picked up on each read. */
export class TensorBoardLogs {
  private readonly files = new Map<string, EventFileReader>();

  /** `from`: the cursors of an earlier TensorBoardLogs of this folder (see cursor()). */
  constructor(
    readonly runDir: string,
    from: readonly EventFileCursor[] = [],
  ) {
    for (const c of from) this.files.set(c.path, new EventFileReader(c.path, tagPrefix(runDir, c.path), c));
  }

  /** Where each file's reading stands, to continue it later (in another thread). */
  cursor(): EventFileCursor[] {
    return [...this.files.values()].map((f) => f.cursor());
  }

  /** True once any event file was found. */
  get found(): boolean {
    return this.files.size > 0;
  }

  /** Scalars written since the last read, file by file in file order. */
  async readNew(): Promise<{ points: ScalarPoint[]; problems: string[] }> {
    const problems: string[] = [];
    const points: ScalarPoint[] = [];
    for (const path of await findEventFiles(this.runDir)) {
      let reader = this.files.get(path);
      if (!reader) {
        reader = new EventFileReader(path, tagPrefix(this.runDir, path));
        this.files.set(path, reader);
      }
      try {
        points.push(...(await reader.readNew(problems)));
      } catch (error) {
        problems.push(`could not read ${path}: ${(error as Error).message}`);
      }
    }
    return { points, problems };
  }
}

/**
 * The scalars written to a run's event files since `from` (the cursor an earlier call returned; none:
 * from the start), and the cursor to continue from. Stateless, so a reader worker can run it.
 */
export async function readTensorBoardScalars(
  runDir: string,
  from: readonly EventFileCursor[] = [],
): Promise<{ points: ScalarPoint[]; problems: string[]; cursor: EventFileCursor[] }> {
  const logs = new TensorBoardLogs(runDir, from);
  const { points, problems } = await logs.readNew();
  return { points, problems, cursor: logs.cursor() };
}
