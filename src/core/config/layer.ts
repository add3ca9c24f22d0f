/**
 * A "layer" is one source of config values (a YAML file or the --set arguments): the plain value
 * plus, for every path inside it, where that value was written. Merging layers merges both, so an
 * error in the merged config can still point at the file and line that wrote the offending value.
 */
import type { SourcePos } from './errors';

export type ConfigPath = ReadonlyArray<string | number>;

export interface Origin {
  /** Where the key was written (absent for list items). */
  key?: SourcePos;
  /** Where the value starts. */
  value: SourcePos;
}

export type OriginMap = Map<string, Origin>;

export interface Layer {
  value: Record<string, unknown>;
  origins: OriginMap;
}

const SEPARATOR = '\u0000';

export function pathKey(path: ConfigPath): string {
  return path.map(String).join(SEPARATOR);
}

export function isUnderPath(key: string, prefix: string): boolean {
  return key === prefix || key.startsWith(prefix + SEPARATOR);
}

export function dotted(path: ConfigPath): string {
  return path.map(String).join('.');
}

export function isPlainMap(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** The value at a path, or undefined. */
export function valueAt(root: unknown, path: ConfigPath): unknown {
  let node: unknown = root;
  for (const segment of path) {
    if (Array.isArray(node) && typeof segment === 'number') node = node[segment];
    else if (isPlainMap(node)) node = node[String(segment)];
    else return undefined;
  }
  return node;
}

/** Where the value at `path` (or its nearest written ancestor) came from. */
export function originOf(origins: OriginMap, path: ConfigPath): Origin | undefined {
  for (let length = path.length; length > 0; length--) {
    const found = origins.get(pathKey(path.slice(0, length)));
    if (found) return found;
  }
  return undefined;
}
