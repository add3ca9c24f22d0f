/** The checkpoint engine's public API (no vscode, no tfjs). */
export * from './types';
export { CheckpointError, LockError } from './errors';
export { CheckpointManager } from './manager';
export type {
  CheckpointManagerHooks,
  CheckpointManagerOptions,
  PendingSave,
  ResumeTarget,
  SaveResult,
} from './manager';
export { listCheckpoints } from './list';
export type { ListOptions } from './list';
export { validateCheckpoint } from './validate';
export type { ValidateOptions, ValidationResult } from './validate';
export { inspectCheckpoint } from './inspect';
export type { CheckpointInspection, TensorDescription } from './inspect';
export { acquireRunLock, isProcessAlive } from './lock';
export type { LockHooks, RunLock } from './lock';
export { readSafetensors, readSafetensorsHeader, writeSafetensors } from './safetensorsFile';
export { decodeSafetensors, encodeSafetensors } from './safetensors';
export { discoverCheckpoints, resolveCheckpointsDir } from './discovery';
export type { DiscoveredCheckpoint } from './discovery';
export { loadCheckpoint } from './reader';
export { selectForDeletion } from './retention';
export { defaultFs } from './fs';
export type { CheckpointFs } from './fs';
export type { CommitStage } from './commit';
export { CHECKSUM_ALGORITHM, SUPPORTED_CHECKSUMS, crc32 } from './checksum';
export * as checkpointLayout from './layout';
