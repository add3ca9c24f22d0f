/**
 * loadConfig: name -> file, `extends` chain (root first), deep merge, --set overrides, one schema,
 * defaults, absolute paths, data-file checks. Every failure is a ConfigError (exit code 2).
 */
import * as path from 'node:path';
import { ConfigError, throwAll, type SourcePos } from './errors';
import { issuesToErrors } from './issues';
import { isPlainMap, pathKey, type Layer } from './layer';
import { checkDataFile } from './dataFiles';
import { resolveConfigPath, yamlFilesIn } from './locate';
import { mergeLayers } from './merge';
import { toTrainConfig } from './normalize';
import { mergedConfigSchema } from './schema';
import { setOverridesLayer } from './setOverrides';
import { nearest } from './suggest';
import type { TrainConfig } from './types';
import { readYamlLayer } from './yamlFile';

export interface LoadConfigOptions {
  cwd: string;
  /** `key.path=value` overrides, applied in order after every file. */
  sets?: readonly string[];
}

export interface MergedConfig {
  /** Leaf first. */
  sources: string[];
  /** Merged raw values (no `extends`, no defaults) with where each was written. */
  layer: Layer;
}

export async function loadConfig(pathOrName: string, opts: LoadConfigOptions): Promise<TrainConfig> {
  const merged = await mergeConfig(pathOrName, opts);
  const leaf = merged.sources[0]!;
  const fallback: SourcePos = { file: leaf, line: 1, column: 1 };
  const result = mergedConfigSchema.safeParse(merged.layer.value);
  if (!result.success) {
    throwAll(
      issuesToErrors(result.error.issues, {
        schema: mergedConfigSchema,
        merged: merged.layer.value,
        origins: merged.layer.origins,
        fallback,
      }),
    );
  }
  const origins = merged.layer.origins;
  const config = toTrainConfig(result.data, { origins, cwd: opts.cwd, sources: merged.sources });
  for (const section of ['data', 'eval_data'] as const) {
    const data = config[section];
    if (data?.type !== 'csv' && data?.type !== 'text') continue;
    const at = (key: string): SourcePos => origins.get(pathKey([section, key]))?.value ?? fallback;
    await checkDataFile(data, at('path'), at('target'), section);
  }
  return config;
}

/** The merged raw config before validation: what the JSON Schema for files describes, merged. */
export async function mergeConfig(pathOrName: string, opts: LoadConfigOptions): Promise<MergedConfig> {
  const leaf = await resolveConfigPath(pathOrName, opts.cwd);
  const chain = await readChain(leaf, []);
  let layer: Layer = { value: {}, origins: new Map() };
  for (const link of [...chain].reverse()) layer = mergeLayers(layer, link.layer);
  if (opts.sets?.length) layer = mergeLayers(layer, setOverridesLayer(opts.sets));
  return { sources: chain.map((link) => link.file), layer };
}

interface ChainLink {
  file: string;
  layer: Layer;
}

/** The file and everything it extends, leaf first; `extends` is removed from each layer. */
async function readChain(file: string, seen: string[]): Promise<ChainLink[]> {
  const layer = await readYamlLayer(file);
  const { extends: parentRef, ...value } = layer.value;
  const extendsOrigin = layer.origins.get(pathKey(['extends']));
  layer.origins.delete(pathKey(['extends']));
  const link: ChainLink = { file, layer: { value, origins: layer.origins } };
  if (parentRef === undefined || parentRef === null) return [link];
  const at = extendsOrigin?.value ?? { file, line: 1, column: 1 };
  if (typeof parentRef !== 'string' || parentRef.trim() === '') {
    throw new ConfigError({
      kind: 'extends',
      at,
      field: 'extends',
      message: `got ${isPlainMap(parentRef) ? 'a map' : Array.isArray(parentRef) ? 'a list' : JSON.stringify(parentRef)}`,
      expected: 'the path of one base config, relative to this file (e.g. ../project.yaml)',
    });
  }
  const parent = path.resolve(path.dirname(file), parentRef);
  const chainSoFar = [...seen, file];
  if (chainSoFar.includes(parent)) {
    const names = [...chainSoFar.slice(chainSoFar.indexOf(parent)), parent].map((f) => path.basename(f));
    throw new ConfigError({
      kind: 'extends_cycle',
      at,
      field: 'extends',
      message: `extends cycle: ${names.join(' -> ')}`,
      expected: 'a chain of configs that ends in a file without extends',
      suggestion: `remove the extends line that closes the cycle`,
    });
  }
  let parentChain: ChainLink[];
  try {
    parentChain = await readChain(parent, chainSoFar);
  } catch (err) {
    if (err instanceof ConfigError && err.kind === 'not_found' && err.file === parent) {
      const near = nearest(path.basename(parentRef), await yamlFilesIn(path.dirname(parent)));
      throw new ConfigError({
        kind: 'extends',
        at,
        field: 'extends',
        message: `base config not found: ${parentRef} (resolved to ${parent})`,
        expected: 'an existing YAML file, relative to this file',
        suggestion: near
          ? `did you mean "${path.join(path.dirname(parentRef), near)}"?`
          : 'paths in extends are relative to the file that contains them',
      });
    }
    throw err;
  }
  return [link, ...parentChain];
}
