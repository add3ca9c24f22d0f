/** Public API of the config loader (framework-free: no vscode, no tfjs). */
export type * from './types';
export { loadConfig, mergeConfig, type LoadConfigOptions, type MergedConfig } from './loadConfig';
export {
  ConfigError,
  describeConfigProblem,
  formatConfigError,
  SET_SOURCE,
  type ConfigErrorKind,
  type SourcePos,
} from './errors';
export { trainConfigJsonSchema } from './jsonSchema';
export { findProjectConfigs, resolveConfigPath } from './locate';
export { mergedConfigSchema } from './schema';
