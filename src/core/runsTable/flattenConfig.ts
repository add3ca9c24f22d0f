/** A nested config as dotted-key columns: `optimizer.learning_rate`, `model.hidden` (arrays as JSON). */
import type { ConfigValue } from '../protocol/runsTable';

/** Keys past this many are dropped: a table of thousands of columns helps no one. */
export const MAX_CONFIG_KEYS = 500;

export function flattenConfig(
  config: unknown,
  prefix = '',
  out: Record<string, ConfigValue> = {},
): Record<string, ConfigValue> {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    if (prefix !== '') out[prefix] = scalar(config);
    return out;
  }
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (Object.keys(out).length >= MAX_CONFIG_KEYS) break;
    const path = prefix === '' ? key : `${prefix}.${key}`;
    if (value !== null && typeof value === 'object' && !Array.isArray(value)) flattenConfig(value, path, out);
    else out[path] = scalar(value);
  }
  return out;
}

function scalar(value: unknown): ConfigValue {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : String(value);
  return JSON.stringify(value) ?? null;
}
