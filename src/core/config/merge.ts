/**
 * Layer merging: maps merge deeply (the child wins key by key), lists and scalars replace.
 * A map whose `type` changes (e.g. optimizer adam -> sgd) is replaced whole rather than merged,
 * so the parent's adam-only fields don't leak into the child's sgd section.
 */
import { isPlainMap, isUnderPath, pathKey, type ConfigPath, type Layer, type OriginMap } from './layer';

export function mergeLayers(base: Layer, child: Layer): Layer {
  const origins: OriginMap = new Map(base.origins);
  const value = mergeMaps(base.value, child.value, [], origins, child.origins);
  return { value, origins };
}

function mergeMaps(
  base: Record<string, unknown>,
  child: Record<string, unknown>,
  path: ConfigPath,
  origins: OriginMap,
  childOrigins: OriginMap,
): Record<string, unknown> {
  const out: Record<string, unknown> = { ...base };
  for (const [key, childValue] of Object.entries(child)) {
    const keyPath = [...path, key];
    const baseValue = base[key];
    if (isPlainMap(baseValue) && isPlainMap(childValue) && !typeChanges(baseValue, childValue)) {
      const own = childOrigins.get(pathKey(keyPath));
      if (own) origins.set(pathKey(keyPath), own);
      out[key] = mergeMaps(baseValue, childValue, keyPath, origins, childOrigins);
    } else {
      replaceOrigins(origins, childOrigins, pathKey(keyPath));
      out[key] = childValue;
    }
  }
  return out;
}

function typeChanges(base: Record<string, unknown>, child: Record<string, unknown>): boolean {
  return 'type' in child && 'type' in base && child['type'] !== base['type'];
}

function replaceOrigins(origins: OriginMap, childOrigins: OriginMap, prefix: string): void {
  for (const key of [...origins.keys()]) if (isUnderPath(key, prefix)) origins.delete(key);
  for (const [key, origin] of childOrigins) if (isUnderPath(key, prefix)) origins.set(key, origin);
}
