/**
 * What a command was invoked on, whatever VS Code passed: nothing (palette, keybinding), the
 * focused tree element (view/title buttons get it too), a tree element and the selection
 * (view/item/context), a Uri and the selected Uris (explorer/context), a Uri and an editor
 * context object (editor/title), or the strings and option objects of scripted callers. Every
 * command reads its arguments through `commandTargets`, so no argument shape reaches `path` or
 * the file system unchecked. vscode-free: a Uri is recognised by its shape.
 */
import * as path from 'node:path';
import type { RunsTreeNode } from '../tree/runsTreeProvider';

export type CommandTarget = { kind: 'node'; node: RunsTreeNode } | { kind: 'path'; path: string };

const NODE_KINDS = new Set<string>(['run', 'checkpoint', 'writing', 'message', 'detail']);

export function isRunsTreeNode(value: unknown): value is RunsTreeNode {
  return typeof value === 'object' && value !== null && NODE_KINDS.has(String((value as { kind?: unknown }).kind));
}

/** A vscode.Uri (or its JSON form) of the local file system. */
function fileUriPath(value: object): string | undefined {
  const uri = value as { scheme?: unknown; fsPath?: unknown; path?: unknown };
  if (uri.scheme !== 'file') return undefined;
  if (typeof uri.fsPath === 'string') return uri.fsPath;
  return typeof uri.path === 'string' ? uri.path : undefined;
}

/** Every target in `args` (arrays flattened, duplicates dropped), in order; unknown shapes are ignored. */
export function commandTargets(...args: unknown[]): CommandTarget[] {
  const out: CommandTarget[] = [];
  const seen = new Set<string>();
  const add = (t: CommandTarget, key: string) => {
    if (seen.has(key)) return;
    seen.add(key);
    out.push(t);
  };
  const visit = (value: unknown): void => {
    if (typeof value === 'string') {
      if (value.trim() !== '') add({ kind: 'path', path: path.resolve(value) }, `p:${path.resolve(value)}`);
    } else if (Array.isArray(value)) {
      value.forEach(visit);
    } else if (isRunsTreeNode(value)) {
      add({ kind: 'node', node: value }, `n:${JSON.stringify(value)}`);
    } else if (typeof value === 'object' && value !== null) {
      const p = fileUriPath(value);
      if (p) add({ kind: 'path', path: path.resolve(p) }, `p:${path.resolve(p)}`);
    }
  };
  args.forEach(visit);
  return out;
}

/** The first path among the targets (strings and Uris), if any. */
export function firstPath(targets: readonly CommandTarget[]): string | undefined {
  return targets.find((t): t is CommandTarget & { kind: 'path' } => t.kind === 'path')?.path;
}

/** An options object of a scripted caller; editor/title's context object and Uri arrays are not one. */
export function optionsArg<T extends object>(value: unknown, keys: ReadonlyArray<keyof T>): Partial<T> {
  if (typeof value !== 'object' || value === null || Array.isArray(value) || fileUriPath(value)) return {};
  return Object.fromEntries(keys.filter((k) => k in value).map((k) => [k, (value as T)[k]])) as Partial<T>;
}
