/**
 * Finds optional packages the user installs (native TensorFlow bindings, Dawn's `webgpu`) at run
 * time. The trainer bundle ships without node_modules, so it looks, in order, in the folders of
 * TRAINING_RUNS_MODULE_PATHS, next to the trainer itself (a checkout, or a carried folder), and in
 * the project it runs in (the extension starts the trainer in the config's project folder).
 */
import { createRequire } from 'node:module';
import { delimiter } from 'node:path';

/** Folders whose node_modules (and their parents') are searched, first match wins. */
export function optionalModuleSearchPaths(env: NodeJS.ProcessEnv = process.env, cwd: string = process.cwd()): string[] {
  const fromEnv = (env.TRAINING_RUNS_MODULE_PATHS ?? '').split(delimiter).filter((p) => p.trim() !== '');
  return [...new Set([...fromEnv, __dirname, cwd])];
}

export type Resolution = { found: true; path: string } | { found: false; reason: string };

/** Resolves a package's entry file without loading it. */
export function resolveOptional(name: string, paths: string[] = optionalModuleSearchPaths()): Resolution {
  try {
    return { found: true, path: require.resolve(name, { paths }) };
  } catch (error) {
    const e = error as NodeJS.ErrnoException;
    if (e.code === 'MODULE_NOT_FOUND')
      return { found: false, reason: `${name} is not installed (looked from ${paths.join(', ')})` };
    return { found: false, reason: `${name} could not be resolved: ${firstLine(e.message)}` };
  }
}

/** A CommonJS require the bundler leaves alone, for files found by resolveOptional. */
export const requireAtRuntime: NodeRequire = createRequire(__filename);

/** An ES module entry (Dawn's `webgpu` package is one), loaded by absolute path at run time. */
export async function importAtRuntime<T>(absolutePath: string): Promise<T> {
  const { pathToFileURL } = await import('node:url');
  // A computed specifier: esbuild keeps this import() as is instead of bundling the target.
  const specifier = pathToFileURL(absolutePath).href;
  return (await import(specifier)) as T;
}

export function firstLine(s: string): string {
  return (s.split('\n')[0] ?? '').trim();
}

/** Added to load failures inside VS Code's Electron, where native addons built for Node may not load. */
export function electronHint(): string {
  return process.versions.electron
    ? ` (running under Electron ${process.versions.electron}: set trainingRuns.nodePath to a system Node.js)`
    : '';
}
