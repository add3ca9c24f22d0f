/** Hugging Face Trainer checkpoints (written by PyTorch), read without Python and without running pickles. */
export { listHfCheckpoints, inspectHfCheckpoint, readHfLogHistory, isHfOutputDir } from './checkpoints';
export type { HfCheckpointInfo, HfCheckpointInspection, HfListOptions, HfLogHistory, HfLossPoint } from './checkpoints';
export { examineFolder, isHfCheckpointFolder } from './checkpointFolder';
export type { HfCheckpointFiles, HfFile, HfFolderReport, HfWeightsKind } from './checkpointFolder';
export { readOptimizerSummary, inferType } from './optimizerState';
export type { HfOptimizerSummary } from './optimizerState';
export { readSchedulerSummary } from './schedulerState';
export type { HfSchedulerSummary } from './schedulerState';
export { parseTrainerState, readTrainerState } from './trainerState';
export type { HfTrainerState, HfLogEntry } from './trainerState';
export {
  readPickle,
  PickleDict,
  PickleGlobal,
  PickleObject,
  PickleSet,
  PickleStorageRef,
  PickleTuple,
  PickleError,
} from './pickle';
export type { PickleValue } from './pickle';
export { TorchFile, describeTensor } from './torchFile';
