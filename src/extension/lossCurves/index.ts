export {
  LossCurvesManager,
  LOSS_CURVES_VIEW_TYPE,
  type LossCurvesManagerOptions,
  type PanelActions,
} from './lossCurvesManager';
export type { LossCurvesPanel } from './lossCurvesPanel';
export type { RunStatus } from '../../core/run/status';
