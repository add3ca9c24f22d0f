/** Load-time checks of local data files: they must exist and hold usable text (CSV: the target column). */
import { open, stat } from 'node:fs/promises';
import { ConfigError, type SourcePos } from './errors';
import { nearest } from './suggest';

const SNIFF_BYTES = 64 * 1024;

export async function checkDataFile(
  data: { type: 'csv'; path: string; target: string } | { type: 'text'; path: string },
  pathAt: SourcePos,
  targetAt: SourcePos,
  /** The config section naming the file. */
  section: 'data' | 'eval_data' = 'data',
): Promise<void> {
  const fail = (
    message: string,
    expected: string,
    suggestion?: string,
    at = pathAt,
    field = `${section}.path`,
  ): never => {
    throw new ConfigError({ kind: 'data_file', at, field, message, expected, ...(suggestion ? { suggestion } : {}) });
  };
  const what = data.type === 'csv' ? 'a CSV file with a header row' : 'a non-empty UTF-8 text file';
  let size: number;
  try {
    const info = await stat(data.path);
    if (!info.isFile()) fail(`${data.path} is not a file`, what);
    size = info.size;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    return fail(`file not found: ${data.path}`, what, 'paths are relative to the config file that sets them');
  }
  if (size === 0) fail(`${data.path} is empty`, what);
  const head = await readHead(data.path);
  if (head.includes(0) || !isUtf8(head, size > SNIFF_BYTES)) fail(`${data.path} looks binary, not text`, what);
  if (data.type === 'csv') {
    const headerLine = (new TextDecoder().decode(head).split(/\r?\n/)[0] ?? '').replace(/^\uFEFF/, '');
    const columns = headerLine.split(',').map((column) => column.trim().replace(/^"(.*)"$/, '$1'));
    if (!columns.includes(data.target)) {
      const near = nearest(data.target, columns);
      fail(
        `column "${data.target}" is not in the header of ${data.path}`,
        `one of ${columns.join(', ')}`,
        near ? `did you mean "${near}"?` : undefined,
        targetAt,
        `${section}.target`,
      );
    }
  }
}

async function readHead(file: string): Promise<Uint8Array> {
  const handle = await open(file, 'r');
  try {
    const buffer = new Uint8Array(SNIFF_BYTES);
    const { bytesRead } = await handle.read(buffer, 0, SNIFF_BYTES, 0);
    return buffer.subarray(0, bytesRead);
  } finally {
    await handle.close();
  }
}

/** Valid UTF-8; when the sample was cut short, a multi-byte character split at the end is fine. */
function isUtf8(bytes: Uint8Array, truncated: boolean): boolean {
  const decoder = new TextDecoder('utf-8', { fatal: true });
  try {
    decoder.decode(bytes, { stream: truncated });
    return true;
  } catch {
    return false;
  }
}
