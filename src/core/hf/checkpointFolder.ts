/**
 * One Hugging Face checkpoint folder on disk: which files it holds (with sizes), and whether it is
 * complete. Validation reads only headers and directories, never whole tensors: trainer_state.json
 * parses, weights exist (single file, or every shard an index lists), no file is empty, safetensors
 * headers fit their files, and torch archives have an intact zip directory (a truncated copy loses it).
 */
import { open, readdir, readFile, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorMessage } from '../checkpoint/errors';
import {
  HF_BIN_INDEX,
  HF_BIN_WEIGHTS,
  HF_OPTIMIZER,
  HF_SAFE_INDEX,
  HF_SAFE_WEIGHTS,
  HF_SCALER,
  HF_SCHEDULER,
  HF_TRAINER_STATE,
  NATIVE_MANIFEST,
  hfStepFromName,
  isHfMarkerFile,
  rngRank,
} from './layout';
import { readTrainerState, type HfTrainerState } from './trainerState';
import { ZipArchive } from './zipArchive';

/** The safetensors reference reader refuses larger headers too. */
const MAX_SAFETENSORS_HEADER = 100_000_000;

export interface HfFile {
  name: string;
  size: number;
  mtimeMs: number;
}

export type HfWeightsKind = 'safetensors' | 'safetensors-sharded' | 'pytorch-bin' | 'pytorch-bin-sharded';

export interface HfCheckpointFiles {
  trainerState: HfFile | null;
  optimizer: HfFile | null;
  scheduler: HfFile | null;
  scaler: HfFile | null;
  /** rng_state.pth or rng_state_<rank>.pth, ordered by rank. */
  rng: HfFile[];
  weightsKind: HfWeightsKind | null;
  /** The weight files present (the index first when sharded). */
  weights: HfFile[];
  all: HfFile[];
}

export interface HfFolderReport {
  path: string;
  name: string;
  step: number | null;
  /** trainer_state.json's modification time (written last by the Trainer), else the folder's. */
  mtimeMs: number;
  files: HfCheckpointFiles;
  trainerState: HfTrainerState | null;
  valid: boolean;
  /** Each names the file and what is wrong. */
  problems: string[];
}

/** A `checkpoint-<step>` folder holding Hugging Face files and no native manifest. */
export async function isHfCheckpointFolder(path: string): Promise<boolean> {
  if (hfStepFromName(basename(path)) === null) return false;
  const names = await readdir(path).catch(() => [] as string[]);
  return !names.includes(NATIVE_MANIFEST) && names.some(isHfMarkerFile);
}

export async function inventory(path: string): Promise<HfCheckpointFiles> {
  const entries = await readdir(path, { withFileTypes: true });
  const all: HfFile[] = [];
  for (const entry of entries) {
    if (!entry.isFile()) continue;
    const info = await stat(join(path, entry.name));
    all.push({ name: entry.name, size: info.size, mtimeMs: info.mtimeMs });
  }
  all.sort((a, b) => (a.name < b.name ? -1 : 1));
  const byName = (name: string): HfFile | null => all.find((f) => f.name === name) ?? null;
  const rng = all.filter((f) => rngRank(f.name) !== undefined).sort((a, b) => (rngRank(a.name) ?? -1) - (rngRank(b.name) ?? -1));

  let weightsKind: HfWeightsKind | null = null;
  let weights: HfFile[] = [];
  if (byName(HF_SAFE_INDEX)) {
    weightsKind = 'safetensors-sharded';
    weights = [byName(HF_SAFE_INDEX) as HfFile, ...all.filter((f) => /^model-\d+-of-\d+\.safetensors$/.test(f.name))];
  } else if (byName(HF_SAFE_WEIGHTS)) {
    weightsKind = 'safetensors';
    weights = [byName(HF_SAFE_WEIGHTS) as HfFile];
  } else if (byName(HF_BIN_INDEX)) {
    weightsKind = 'pytorch-bin-sharded';
    weights = [byName(HF_BIN_INDEX) as HfFile, ...all.filter((f) => /^pytorch_model-\d+-of-\d+\.bin$/.test(f.name))];
  } else if (byName(HF_BIN_WEIGHTS)) {
    weightsKind = 'pytorch-bin';
    weights = [byName(HF_BIN_WEIGHTS) as HfFile];
  }
  return {
    trainerState: byName(HF_TRAINER_STATE),
    optimizer: byName(HF_OPTIMIZER),
    scheduler: byName(HF_SCHEDULER),
    scaler: byName(HF_SCALER),
    rng,
    weightsKind,
    weights,
    all,
  };
}

/** Inventories and validates one checkpoint folder. Never throws for a bad checkpoint: problems say why. */
export async function examineFolder(path: string): Promise<HfFolderReport> {
  const name = basename(path);
  const step = hfStepFromName(name);
  const problems: string[] = [];
  const folderMtime = (await stat(path)).mtimeMs;
  const files = await inventory(path);

  let trainerState: HfTrainerState | null = null;
  if (!files.trainerState) {
    problems.push(`${join(path, HF_TRAINER_STATE)}: missing (the save did not finish, or the file was deleted); this checkpoint cannot be resumed`);
  } else {
    try {
      trainerState = await readTrainerState(join(path, HF_TRAINER_STATE));
      if (step !== null && trainerState.global_step !== step) {
        problems.push(`${join(path, HF_TRAINER_STATE)}: global_step is ${trainerState.global_step} but the folder is ${name}`);
      }
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }

  for (const file of files.all) {
    if (file.size === 0) problems.push(`${join(path, file.name)}: empty (0 bytes); the save was interrupted or the disk was full`);
  }
  problems.push(...(await checkWeights(path, files)));
  for (const file of [files.optimizer, files.scheduler, files.scaler, ...files.rng]) {
    if (file && file.size > 0) problems.push(...(await checkTorchArchive(join(path, file.name))));
  }
  problems.push(...checkRankFiles(path, files.rng));

  return {
    path,
    name,
    step: trainerState?.global_step ?? step,
    mtimeMs: files.trainerState?.mtimeMs ?? folderMtime,
    files,
    trainerState,
    valid: problems.length === 0,
    problems,
  };
}

async function checkWeights(path: string, files: HfCheckpointFiles): Promise<string[]> {
  switch (files.weightsKind) {
    case null:
      return [`${path}: no weights (expected ${HF_SAFE_WEIGHTS}, ${HF_SAFE_INDEX} with its shards, or ${HF_BIN_WEIGHTS})`];
    case 'safetensors':
      return checkSafetensors(join(path, HF_SAFE_WEIGHTS));
    case 'pytorch-bin':
      return checkTorchArchive(join(path, HF_BIN_WEIGHTS));
    case 'safetensors-sharded':
    case 'pytorch-bin-sharded': {
      const indexName = files.weightsKind === 'safetensors-sharded' ? HF_SAFE_INDEX : HF_BIN_INDEX;
      const indexPath = join(path, indexName);
      let shards: string[];
      try {
        const index = JSON.parse(await readFile(indexPath, 'utf8')) as { weight_map?: unknown };
        if (typeof index.weight_map !== 'object' || index.weight_map === null) return [`${indexPath}: no "weight_map" object`];
        shards = [...new Set(Object.values(index.weight_map as Record<string, unknown>).map(String))].sort();
      } catch (error) {
        return [`${indexPath}: not valid JSON (${errorMessage(error)})`];
      }
      const problems: string[] = [];
      for (const shard of shards) {
        if (shard.includes('/') || shard.includes('\\')) problems.push(`${indexPath}: shard "${shard}" must be a file name in the folder`);
        else if (!files.all.some((f) => f.name === shard)) problems.push(`${indexPath}: lists shard ${shard}, which is missing`);
        else if (shard.endsWith('.safetensors')) problems.push(...(await checkSafetensors(join(path, shard))));
        else problems.push(...(await checkTorchArchive(join(path, shard))));
      }
      return problems;
    }
  }
}

/** The header must parse and every tensor's data must lie inside the file (a truncated copy fails). */
async function checkSafetensors(path: string): Promise<string[]> {
  const handle = await open(path, 'r');
  try {
    const size = (await handle.stat()).size;
    if (size === 0) return []; // reported as empty already
    if (size < 8) return [`${path}: truncated (${size} bytes, shorter than the 8-byte header length)`];
    const head = Buffer.alloc(8);
    await handle.read(head, 0, 8, 0);
    const headerLength = Number(head.readBigUInt64LE(0));
    if (headerLength > MAX_SAFETENSORS_HEADER) return [`${path}: header length ${headerLength} is not plausible (corrupt file)`];
    if (8 + headerLength > size) return [`${path}: truncated (header says ${headerLength} bytes, file has ${size})`];
    const header = Buffer.alloc(headerLength);
    await handle.read(header, 0, headerLength, 8);
    const entries = JSON.parse(header.toString('utf8')) as Record<string, { data_offsets?: [number, number] }>;
    const dataEnd = Math.max(0, ...Object.entries(entries).filter(([k]) => k !== '__metadata__').map(([, e]) => e.data_offsets?.[1] ?? 0));
    if (8 + headerLength + dataEnd > size) return [`${path}: truncated (tensors need ${8 + headerLength + dataEnd} bytes, file has ${size})`];
    return [];
  } catch (error) {
    return [`${path}: unreadable safetensors header (${errorMessage(error)})`];
  } finally {
    await handle.close();
  }
}

/** A torch.save archive ends with its zip directory: a truncated file has none. */
async function checkTorchArchive(path: string): Promise<string[]> {
  try {
    const archive = await ZipArchive.open(path);
    await archive.close();
    return [];
  } catch (error) {
    return [errorMessage(error)];
  }
}

/** rng_state_<rank>.pth should cover ranks 0..max without gaps. */
function checkRankFiles(path: string, rng: HfFile[]): string[] {
  const ranks = rng.map((f) => rngRank(f.name)).filter((r): r is number => typeof r === 'number');
  if (ranks.length === 0) return [];
  const max = Math.max(...ranks);
  const missing: string[] = [];
  for (let rank = 0; rank <= max; rank++) if (!ranks.includes(rank)) missing.push(`rng_state_${rank}.pth`);
  return missing.length ? [`${path}: ${missing.join(', ')} missing (RNG files for ranks 0..${max} expected)`] : [];
}
