/**
 * A job's state as Slurm reports it, parsed from `scontrol show job -o` (one line of Key=Value
 * pairs) and `squeue --noheader --format`. No accounting (sacct) is needed.
 */

export const JOB_STATES = [
  'PENDING',
  'CONFIGURING',
  'RUNNING',
  'COMPLETING',
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'PREEMPTED',
  'CANCELLED',
  'REQUEUED',
  'REQUEUE_HOLD',
  'REQUEUE_FED',
  'SUSPENDED',
  'STOPPED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'SPECIAL_EXIT',
  'RESIZING',
  'SIGNALING',
  'STAGE_OUT',
  'REVOKED',
] as const;
export type JobState = (typeof JOB_STATES)[number];

/** States after which the job will not run again by itself. */
const FINAL_STATES: ReadonlySet<JobState> = new Set([
  'COMPLETED',
  'FAILED',
  'TIMEOUT',
  'CANCELLED',
  'NODE_FAIL',
  'OUT_OF_MEMORY',
  'BOOT_FAIL',
  'DEADLINE',
  'REVOKED',
  'SPECIAL_EXIT',
]);

export function isFinalState(state: JobState): boolean {
  return FINAL_STATES.has(state);
}

export interface JobInfo {
  jobId: string;
  name: string;
  state: JobState;
  /** Why it waits or why it ended ('None' when Slurm has nothing to say). */
  reason: string;
  /** How many times the job was requeued (SLURM_RESTART_COUNT of its next start). */
  restarts: number;
  /** Seconds run in the current start. */
  runTimeSeconds: number | null;
  timeLimit: string;
  /** The job's output file (with %j expanded). */
  stdOut: string | null;
  /** "code:signal" of the batch script's last exit. */
  exitCode: string;
  nodeList: string | null;
}

/** One line for logs and the command line: "job 12: pending (Resources), restart 1". */
export function describeJob(info: JobInfo): string {
  const reason = info.reason !== 'None' ? ` (${info.reason})` : '';
  const restart = info.restarts > 0 ? `, restart ${info.restarts}` : '';
  return `job ${info.jobId}: ${info.state.toLowerCase()}${reason}${restart}`;
}

/** Key=Value pairs of one `scontrol show -o` line; a value runs until the next ` Key=`. */
export function parseKeyValues(line: string): Map<string, string> {
  const pairs = new Map<string, string>();
  const keyPattern = /(?:^|\s)([A-Za-z][A-Za-z0-9_:/]*)=/g;
  const starts: { key: string; valueStart: number; keyStart: number }[] = [];
  for (let match = keyPattern.exec(line); match; match = keyPattern.exec(line)) {
    starts.push({ key: match[1]!, valueStart: match.index + match[0].length, keyStart: match.index });
  }
  starts.forEach((start, i) => {
    const end = i + 1 < starts.length ? starts[i + 1]!.keyStart : line.length;
    if (!pairs.has(start.key)) pairs.set(start.key, line.slice(start.valueStart, end).trim());
  });
  return pairs;
}

/** "[D-]HH:MM:SS" or "MM:SS" elapsed time to seconds. */
function elapsedSeconds(text: string | undefined): number | null {
  const match = text ? /^(?:(\d+)-)?(?:(\d+):)?(\d+):(\d+)$/.exec(text) : null;
  if (!match) return null;
  const [, days = '0', hours = '0', minutes, seconds] = match;
  return ((Number(days) * 24 + Number(hours)) * 60 + Number(minutes)) * 60 + Number(seconds);
}

export function toJobState(text: string): JobState {
  // squeue may print "CANCELLED by 0"; scontrol prints the bare state.
  const word = text.trim().split(/\s+/)[0]!.toUpperCase();
  const state = JOB_STATES.find((s) => s === word);
  if (!state) throw new Error(`unknown Slurm job state "${text}"`);
  return state;
}

/** The job described by `scontrol show job -o ID` (one line per job; the first is taken). */
export function parseScontrolJob(output: string): JobInfo {
  const line = output.split('\n').find((l) => l.includes('JobId='));
  if (!line) throw new Error(`scontrol printed no job: ${output.trim().slice(0, 200)}`);
  const fields = parseKeyValues(line);
  const text = (key: string): string | null => {
    const value = fields.get(key);
    return value === undefined || value === '(null)' || value === '' ? null : value;
  };
  return {
    jobId: text('JobId') ?? '',
    name: text('JobName') ?? '',
    state: toJobState(text('JobState') ?? ''),
    reason: text('Reason') ?? 'None',
    restarts: Number(text('Restarts') ?? 0),
    runTimeSeconds: elapsedSeconds(text('RunTime') ?? undefined),
    timeLimit: text('TimeLimit') ?? '',
    stdOut: text('StdOut'),
    exitCode: text('ExitCode') ?? '',
    nodeList: text('NodeList'),
  };
}

/** The squeue format parseSqueue reads: id, state, reason, name (name last: it may contain '|'). */
export const SQUEUE_FORMAT = '%i|%T|%r|%j';

export interface QueuedJob {
  jobId: string;
  state: JobState;
  reason: string;
  name: string;
}

export function parseSqueue(output: string): QueuedJob[] {
  return output
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => {
      const [jobId = '', state = '', reason = '', ...name] = line.split('|');
      return { jobId: jobId.trim(), state: toJobState(state), reason: reason.trim(), name: name.join('|') };
    });
}
