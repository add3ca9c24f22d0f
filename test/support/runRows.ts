/** A runs-table row with everything unknown, for tests: pass what the test is about. */
import type { RunRow } from '../../src/core/protocol/runsTable';

export function row(runDir: string, extra: Partial<RunRow> = {}): RunRow {
  return {
    runDir,
    name: runDir.split('/').pop() ?? runDir,
    folder: runDir.split('/').pop() ?? runDir,
    kind: 'native',
    status: 'finished',
    startedAt: null,
    durationSec: null,
    steps: null,
    maxSteps: null,
    backend: null,
    finalLoss: null,
    bestMetric: null,
    checkpointsKept: 0,
    diskBytes: null,
    diskBytesPartial: false,
    notes: '',
    tags: [],
    config: {},
    problems: [],
    ...extra,
  };
}
