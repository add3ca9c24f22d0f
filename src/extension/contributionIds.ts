/**
 * Names VS Code knows the extension's contributions by: the webview panels' view types (as
 * package.json's `onWebviewPanel:` activation events name them) and the inspect documents' URI
 * scheme. A module of its own so that activation registers the panels' serializers and the
 * documents' provider without loading the panels or the checkpoint readers.
 */
export const LOSS_CURVES_VIEW_TYPE = 'trainingRuns.lossCurves';
export const RUNS_TABLE_VIEW_TYPE = 'trainingRuns.runsTable';
export const INSPECT_SCHEME = 'training-checkpoint';
