/**
 * One Hugging Face checkpoint folder on disk: which files it holds (with sizes), and whether it is
 * complete. Validation reads only headers and directories, never whole tensors: trainer_state.json
 * parses, weights exist (single file, or every shard an index lists), no file is empty, safetensors
 * headers fit their files, and torch archives have an intact zip directory (a truncated copy loses it).
 */
import { open, readdir, stat } from 'node:fs/promises';
import { basename, join } from 'node:path';
import { errorMessage } from '../checkpoint/errors';
import { readHeaderBytes } from '../checkpoint/safetensorsFile';
import { parseBoundedJson, readBoundedText } from '../limits/boundedFile';
import { READ_LIMITS, ReadLimitError } from '../limits/readLimits';
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
  const rng = all
    .filter((f) => rngRank(f.name) !== undefined)
    .sort((a, b) => (rngRank(a.name) ?? -1) - (rngRank(b.name) ?? -1));

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
    problems.push(
      `${join(path, HF_TRAINER_STATE)}: missing (the save did not finish, or the file was deleted); this checkpoint cannot be resumed`,
    );
  } else {
    try {
      trainerState = await readTrainerState(join(path, HF_TRAINER_STATE));
      if (step !== null && trainerState.global_step !== step) {
        problems.push(
          `${join(path, HF_TRAINER_STATE)}: global_step is ${trainerState.global_step} but the folder is ${name}`,
        );
      }
    } catch (error) {
      problems.push(errorMessage(error));
    }
  }

  for (const file of files.all) {
    if (file.size === 0)
      problems.push(`${join(path, file.name)}: empty (0 bytes); the save was interrupted or the disk was full`);
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
      return [
        `${path}: no weights (expected ${HF_SAFE_WEIGHTS}, ${HF_SAFE_INDEX} with its shards, or ${HF_BIN_WEIGHTS})`,
      ];
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
        const index = parseBoundedJson(await readBoundedText(indexPath, READ_LIMITS.jsonFileBytes), indexPath) as {
          weight_map?: unknown;
        } | null;
        if (typeof index?.weight_map !== 'object' || index.weight_map === null)
          return [`${indexPath}: no "weight_map" object`];
        shards = [...new Set(Object.values(index.weight_map as Record<string, unknown>).map(String))].sort();
      } catch (error) {
        return [errorMessage(error)];
      }
      const problems: string[] = [];
      for (const shard of shards) {
        if (shard.includes('/') || shard.includes('\\'))
          problems.push(`${indexPath}: shard "${shard}" must be a file name in the folder`);
        else if (!files.all.some((f) => f.name === shard))
          problems.push(`${indexPath}: lists shard ${shard}, which is missing`);
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
    const head = await readHeaderBytes(handle, size, path);
    const entries = parseBoundedJson(head.toString('utf8', 8), `${path} (safetensors header)`);
    if (typeof entries !== 'object' || entries === null || Array.isArray(entries))
      return [`${path}: safetensors header is not a JSON object`];
    let dataEnd = 0;
    for (const [name, entry] of Object.entries(entries as Record<string, { data_offsets?: unknown } | null>)) {
      if (name === '__metadata__') continue;
      const offsets = entry?.data_offsets;
      // Python's safetensors refuses such a file, so a resume from it would fail.
      if (!Array.isArray(offsets) || typeof offsets[1] !== 'number')
        return [
          `${path}: tensor "${name}" has no "data_offsets" [begin, end] in the safetensors header; the file is damaged`,
        ];
      dataEnd = Math.max(dataEnd, offsets[1]);
    }
    if (head.length + dataEnd > size)
      return [`${path}: truncated (tensors need ${head.length + dataEnd} bytes, file has ${size})`];
    return [];
  } catch (error) {
    return [`unreadable safetensors header: ${errorMessage(error)}`];
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

/** Gaps named in a problem; the rest are counted. */
const MAX_NAMED_MISSING_RANKS = 10;

/**
 * rng_state_<rank>.pth should cover ranks 0..max without gaps. Works from the files present (sorted
 * ranks), never by counting up to the largest rank a name claims.
 */
export function checkRankFiles(path: string, rng: HfFile[]): string[] {
  const ranks = [...new Set(rng.map((f) => rngRank(f.name)).filter((r): r is number => typeof r === 'number'))].sort(
    (a, b) => a - b,
  );
  const max = ranks[ranks.length - 1];
  if (max === undefined) return [];
  if (max >= READ_LIMITS.rngRanks) {
    return [new ReadLimitError(join(path, `rng_state_${max}.pth`), 'rank', READ_LIMITS.rngRanks, `is ${max}`).message];
  }
  const missingCount = max + 1 - ranks.length;
  if (missingCount === 0) return [];
  const named: string[] = [];
  let expected = 0;
  for (const rank of ranks) {
    for (; expected < rank && named.length < MAX_NAMED_MISSING_RANKS; expected++)
      named.push(`rng_state_${expected}.pth`);
    expected = rank + 1;
  }
  const more = missingCount > named.length ? ` and ${missingCount - named.length} more` : '';
  return [`${path}: ${named.join(', ')}${more} missing (RNG files for ranks 0..${max} expected)`];
}
