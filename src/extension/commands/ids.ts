/** Command ids, as contributed in package.json (a unit test checks the two lists agree). */
export const COMMANDS = {
  train: 'trainingRuns.train',
  trainExample: 'trainingRuns.trainExample',
  resume: 'trainingRuns.resume',
  resumeFromCheckpoint: 'trainingRuns.resumeFromCheckpoint',
  stop: 'trainingRuns.stop',
  stopAll: 'trainingRuns.stopAll',
  openLossCurves: 'trainingRuns.openLossCurves',
  refresh: 'trainingRuns.refresh',
  showLog: 'trainingRuns.showLog',
  deleteCheckpoint: 'trainingRuns.deleteCheckpoint',
  revealCheckpoint: 'trainingRuns.revealCheckpoint',
  copyCheckpointPath: 'trainingRuns.copyCheckpointPath',
  inspectCheckpoint: 'trainingRuns.inspectCheckpoint',
  compareRuns: 'trainingRuns.compareRuns',
} as const;

export type CommandId = (typeof COMMANDS)[keyof typeof COMMANDS];
