/**
 * What a loss-curves panel posts when its webview is ready, in this order: `init`, with only what the
 * first paint needs (each run's loss curve and the shown metric, downsampled to the chart's width;
 * a long run's from its overview), then, once the whole histories are read, one `metrics` message per
 * run with its other metrics, so a long history paints before the rest is read, downsampled and sent.
 */
import type { HostToWebview, PanelState } from '../../core/protocol/webview';
import type { RunCurves } from './runCurves';

export interface InitMessages {
  init: Extract<HostToWebview, { type: 'init' }>;
  rest: () => Array<Extract<HostToWebview, { type: 'metrics' }>>;
}

/** `rest` is a function: the panel calls it after posting `init`, so that work is not in init's way. */
export function initMessages(
  feeds: readonly RunCurves[],
  maxPoints: number,
  metric: string,
  settings: PanelState | undefined,
): InitMessages {
  return {
    init: {
      type: 'init',
      runs: feeds.map((f) => f.snapshot(maxPoints, metric)),
      ...(settings ? { settings } : {}),
    },
    rest: () =>
      feeds
        .map((f) => ({ type: 'metrics' as const, runDir: f.runDir, scalars: f.otherMetrics(maxPoints, metric) }))
        .filter((m) => Object.keys(m.scalars).length > 0),
  };
}
