import type { DataConfig } from '../../core/config/types';
import { loadCsv } from './csv';
import { syntheticClassification, syntheticRegression } from './tabular';
import { loadTextFile, syntheticText } from './text';
import type { Dataset } from './types';

export type { Dataset, TabularDataset, TextDataset, BatchArrays } from './types';
export { DataError } from './types';
export { BatchSampler, type SamplerPosition } from './sampler';

export function buildDataset(config: DataConfig): Dataset {
  switch (config.type) {
    case 'synthetic_classification':
      return syntheticClassification(config.samples, config.features, config.classes, config.noise, config.seed);
    case 'synthetic_regression':
      return syntheticRegression(config.samples, config.features, config.noise, config.seed);
    case 'synthetic_text':
      return syntheticText(config.length, config.seq_len, config.seed);
    case 'csv':
      return loadCsv(config.path, config.target, config.task);
    case 'text':
      return loadTextFile(config.path, config.seq_len);
  }
}
