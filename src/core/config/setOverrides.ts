/**
 * `--set key.path=value` overrides. The value is read as YAML, so `null`, `true`, `3e-4`, `[32, 32]`
 * and plain paths all mean what they would in a config file. All overrides form one layer merged
 * last (maps still merge deeply).
 */
import { parse as parseYaml } from 'yaml';
import { ConfigError, SET_SOURCE, type SourcePos } from './errors';
import { isPlainMap, pathKey, type ConfigPath, type Layer, type OriginMap } from './layer';
import { mergeLayers } from './merge';

const KEY_PATH = /^[A-Za-z_][\w-]*(\.[A-Za-z_][\w-]*)*$/;

export function setOverridesLayer(sets: readonly string[]): Layer {
  let layer: Layer = { value: {}, origins: new Map() };
  for (const arg of sets) layer = mergeLayers(layer, parseSetArg(arg));
  return layer;
}

export function parseSetArg(arg: string): Layer {
  const at: SourcePos = { file: SET_SOURCE, line: null, column: null, setArg: arg };
  const equals = arg.indexOf('=');
  const keyText = equals < 0 ? arg : arg.slice(0, equals).trim();
  if (equals < 0 || !KEY_PATH.test(keyText)) {
    throw new ConfigError({
      kind: 'set_syntax',
      at,
      field: equals < 0 ? '' : keyText,
      message: equals < 0 ? 'missing "="' : 'not a dotted key path',
      expected: 'key.path=value, e.g. --set optimizer.learning_rate=3e-4',
    });
  }
  const keys = keyText.split('.');
  if (keys[0] === 'extends') {
    throw new ConfigError({
      kind: 'set_syntax',
      at,
      field: 'extends',
      message: 'extends cannot be overridden from the command line',
      expected: 'a key of the training config',
      suggestion: 'name the config that extends the other one with -t instead',
    });
  }
  let value: unknown;
  try {
    value = parseYaml(arg.slice(equals + 1));
  } catch (err) {
    throw new ConfigError({
      kind: 'set_syntax',
      at,
      field: keyText,
      message: `value is not valid YAML (${(err as Error).message.split('\n')[0]})`,
      expected: 'a YAML value: 500, 3e-4, true, null, [64, 64], {type: sgd} or a path',
      suggestion: 'quote the value if it contains ":" or "#"',
    });
  }
  const origins: OriginMap = new Map();
  for (let length = 1; length <= keys.length; length++)
    origins.set(pathKey(keys.slice(0, length)), { key: at, value: at });
  markAll(value, keys, origins, at);
  let nested: unknown = value;
  for (const key of [...keys].reverse()) nested = { [key]: nested };
  return { value: nested as Record<string, unknown>, origins };
}

function markAll(value: unknown, path: ConfigPath, origins: OriginMap, at: SourcePos): void {
  const entries: Array<[string | number, unknown]> = Array.isArray(value)
    ? value.map((item, index) => [index, item])
    : isPlainMap(value)
      ? Object.entries(value)
      : [];
  for (const [key, item] of entries) {
    const childPath = [...path, key];
    origins.set(pathKey(childPath), { key: at, value: at });
    markAll(item, childPath, origins, at);
  }
}
