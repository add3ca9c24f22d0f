/** Finding config files: `-t train.yaml` means the project's configs/ folder, then the folder itself. */
import { readdir, stat } from 'node:fs/promises';
import * as path from 'node:path';
import { ConfigError } from './errors';
import { nearest } from './suggest';

const YAML_EXTENSIONS = ['.yaml', '.yml'];

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/**
 * A path (absolute, or relative to cwd) is used as given. A bare name is looked up in
 * `<cwd>/configs/` and then `<cwd>/`, with or without its .yaml/.yml extension.
 */
export async function resolveConfigPath(pathOrName: string, cwd: string): Promise<string> {
  const hasDir = pathOrName.includes('/') || pathOrName.includes(path.sep) || path.isAbsolute(pathOrName);
  const bases = hasDir ? [cwd] : [path.join(cwd, 'configs'), cwd];
  const names = YAML_EXTENSIONS.includes(path.extname(pathOrName))
    ? [pathOrName]
    : [pathOrName, ...YAML_EXTENSIONS.map((ext) => pathOrName + ext)];
  const tried: string[] = [];
  for (const base of bases) {
    for (const name of names) {
      const candidate = path.resolve(base, name);
      tried.push(candidate);
      if (await isFile(candidate)) return candidate;
      // A FIFO, device or folder under a YAML name, or at the path given: say so rather than "not
      // found" (reading it would block).
      const named = YAML_EXTENSIONS.includes(path.extname(candidate)) || (hasDir && name === pathOrName);
      if (named && (await stat(candidate).catch(() => null)))
        throw new ConfigError({
          kind: 'unreadable',
          at: { file: candidate, line: null, column: null },
          field: '',
          message: 'cannot read config file: not a regular file (a folder, FIFO, socket or device)',
          expected: 'a regular YAML file',
        });
    }
  }
  const known = (await findProjectConfigs(cwd)).map((file) => path.basename(file));
  const near = nearest(path.basename(pathOrName), known);
  throw new ConfigError({
    kind: 'not_found',
    at: { file: path.resolve(cwd, pathOrName), line: null, column: null },
    field: '',
    message: `config not found (looked for ${tried.map((t) => path.relative(cwd, t) || t).join(', ')})`,
    expected: "a YAML file path, or a file name in the project's configs/ folder",
    ...(near
      ? { suggestion: `did you mean "${near}"?` }
      : known.length
        ? { suggestion: `available: ${known.join(', ')}` }
        : {}),
  });
}

/** YAML files in `<projectDir>/configs/`, sorted by name (absolute paths); [] when there is none. */
export async function findProjectConfigs(projectDir: string): Promise<string[]> {
  const dir = path.join(projectDir, 'configs');
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return [];
  }
  return entries
    .filter((entry) => YAML_EXTENSIONS.includes(path.extname(entry)))
    .sort()
    .map((entry) => path.join(dir, entry));
}

/** Names of YAML files beside a missing `extends` target, to suggest the nearest one. */
export async function yamlFilesIn(dir: string): Promise<string[]> {
  try {
    return (await readdir(dir)).filter((entry) => YAML_EXTENSIONS.includes(path.extname(entry)));
  } catch {
    return [];
  }
}
