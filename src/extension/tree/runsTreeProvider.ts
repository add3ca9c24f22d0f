/**
 * The "Runs" tree: renders the run model (runs → checkpoints → Optimizer/Scheduler/Trainer/Model/
 * Files). It holds no state of its own beyond a cache of checkpoint details keyed by mtime
 * (checkpointDetailsCache.ts: a read refused for the machine's load is read again on the next expand).
 */
import * as vscode from 'vscode';
import type { CheckpointItemContext, RunItemContext } from '../contextKeys';
import { external } from '../external/lazy';
import { checkpointDetailNodes, type DetailNode } from '../model/checkpointDetails';
import { loadCheckpointDetails } from '../model/checkpointEngine';
import type { RunStatus } from '../../core/run/index';
import type { RunStore } from '../store/runStore';
import { latestValidCheckpoint, type RunView } from '../store/runView';
import {
  CHECKPOINT_LOSS_LABEL,
  CHECKPOINT_LOSS_TOOLTIP,
  checkpointDescription,
  checkpointLearningRate,
  checkpointMarks,
  newestFirst,
  notesTooltip,
  runDescription,
  runTooltip,
} from './rowText';
import { formatValue } from '../../core/format';
import { COMMANDS } from '../commands/ids';
import { readTensorNodes } from '../model/tensorNodes';
import { CheckpointDetailsCache } from './checkpointDetailsCache';
import { join } from 'node:path';
import { readRunNotes } from '../../core/runsTable/runNotes';
import { bestMetricOf } from './bestMetric';

export type RunsTreeNode =
  | { kind: 'run'; runDir: string }
  | { kind: 'checkpoint'; runDir: string; path: string }
  | { kind: 'writing'; runDir: string; name: string }
  | { kind: 'message'; text: string; tooltip?: string }
  /** `id`: the parent's id and this node's index among its siblings, unique by construction. */
  | { kind: 'detail'; checkpointPath: string; node: DetailNode; id: string };

/** How often relative ages ("3 min ago") are re-rendered while the tree exists. */
const AGE_REFRESH_MS = 30_000;

const STATUS_ICONS: Record<RunStatus, vscode.ThemeIcon> = {
  training: new vscode.ThemeIcon('sync~spin', new vscode.ThemeColor('charts.blue')),
  stopping: new vscode.ThemeIcon('loading~spin'),
  stopped: new vscode.ThemeIcon('debug-stop'),
  finished: new vscode.ThemeIcon('pass', new vscode.ThemeColor('testing.iconPassed')),
  failed: new vscode.ThemeIcon('error', new vscode.ThemeColor('testing.iconFailed')),
  unknown: new vscode.ThemeIcon('folder'),
};

export class RunsTreeProvider implements vscode.TreeDataProvider<RunsTreeNode>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<RunsTreeNode | undefined>();
  private readonly detailsCache = new CheckpointDetailsCache<DetailNode[]>();
  private readonly subscription: { dispose(): void };
  readonly onDidChangeTreeData = this.changed.event;

  private readonly ageTimer: ReturnType<typeof setInterval>;

  constructor(
    private readonly model: RunStore,
    options: { ageRefreshMs?: number } = {},
  ) {
    this.subscription = model.onDidChange(() => this.changed.fire(undefined));
    // Rows say "just now" / "3 min ago": re-render them as time passes, not only when files change.
    this.ageTimer = setInterval(
      () => this.model.runs().length > 0 && this.changed.fire(undefined),
      options.ageRefreshMs ?? AGE_REFRESH_MS,
    );
  }

  /** The model view behind a node, for commands invoked from the tree. */
  runOf(node: RunsTreeNode): RunView | undefined {
    return 'runDir' in node ? this.model.get(node.runDir) : undefined;
  }

  getChildren(node?: RunsTreeNode): vscode.ProviderResult<RunsTreeNode[]> {
    if (!node) return newestFirst(this.model.runs()).map((r) => ({ kind: 'run', runDir: r.dir }));
    if (node.kind === 'run') return this.runChildren(node.runDir);
    if (node.kind === 'checkpoint') return this.checkpointChildren(node);
    if (node.kind === 'detail')
      return node.node.children.map((child, i) => ({
        kind: 'detail',
        checkpointPath: node.checkpointPath,
        node: child,
        id: `${node.id}/${i}`,
      }));
    return [];
  }

  /**
   * A run's tooltip adds its best checkpoint's metric value and its name, tags and notes
   * (run-notes.json), read only when the tooltip is shown.
   */
  async resolveTreeItem(item: vscode.TreeItem, node: RunsTreeNode): Promise<vscode.TreeItem> {
    if (node.kind !== 'run' || typeof item.tooltip !== 'string') return item;
    const run = this.model.get(node.runDir);
    const [{ notes, problem }, bestMetric] = await Promise.all([
      readRunNotes(node.runDir),
      run ? bestMetricOf(run) : null,
    ]);
    if (run && bestMetric) item.tooltip = runTooltip(run, Date.now(), bestMetric);
    const extra = notesTooltip(notes, problem);
    if (extra) item.tooltip = `${item.tooltip}\n${extra}`;
    return item;
  }

  getTreeItem(node: RunsTreeNode): vscode.TreeItem {
    switch (node.kind) {
      case 'run':
        return this.runItem(node.runDir);
      case 'checkpoint':
        return this.checkpointItem(node);
      case 'writing': {
        const item = new vscode.TreeItem(node.name.replace(/^\.?tmp-/, ''), vscode.TreeItemCollapsibleState.None);
        item.description = 'being written…';
        item.iconPath = new vscode.ThemeIcon('loading~spin');
        item.tooltip = `A save in progress (${node.name}); it appears as a checkpoint once it is committed.`;
        return item;
      }
      case 'message': {
        const item = new vscode.TreeItem(node.text, vscode.TreeItemCollapsibleState.None);
        item.iconPath = new vscode.ThemeIcon('warning');
        item.tooltip = node.tooltip ?? node.text;
        return item;
      }
      case 'detail': {
        const state =
          node.node.children.length > 0
            ? vscode.TreeItemCollapsibleState.Collapsed
            : vscode.TreeItemCollapsibleState.None;
        const item = new vscode.TreeItem(node.node.label, state);
        item.description = node.node.description;
        item.tooltip = node.node.tooltip ?? `${node.node.label}: ${node.node.description}`;
        item.id = node.id;
        if (node.node.file) item.command = openFileCommand(node.checkpointPath, node.node.file);
        return item;
      }
    }
  }

  dispose(): void {
    clearInterval(this.ageTimer);
    this.subscription.dispose();
    this.changed.dispose();
  }

  private runChildren(runDir: string): RunsTreeNode[] {
    const run = this.model.get(runDir);
    if (!run) return [];
    const nodes: RunsTreeNode[] = run.problems.map((p) => ({ kind: 'message', text: p }));
    nodes.push(...run.writing.map((name): RunsTreeNode => ({ kind: 'writing', runDir, name })));
    nodes.push(...run.checkpoints.map((c): RunsTreeNode => ({ kind: 'checkpoint', runDir, path: c.path })));
    if (nodes.length === 0) nodes.push({ kind: 'message', text: 'No checkpoints yet' });
    return nodes;
  }

  private async checkpointChildren(node: { runDir: string; path: string }): Promise<RunsTreeNode[]> {
    const info = this.model.get(node.runDir)?.checkpoints.find((c) => c.path === node.path);
    if (!info) return [];
    const nodes = await this.detailsCache.get(info.path, info.mtimeMs, async (refused) => {
      const unreadable = (err: Error): DetailNode[] => {
        refused(err);
        return [{ label: 'Unreadable', description: err.message, children: [] }];
      };
      const hf = external();
      const details = hf.isHfCheckpointRow(info)
        ? await hf.inspectHfCheckpoint(info.path).then(hf.hfCheckpointDetailNodes, unreadable)
        : await loadCheckpointDetails(info).then(checkpointDetailNodes, unreadable);
      return Promise.all(details.map((n) => withTensors(info.path, n, refused)));
    });
    const problems: RunsTreeNode[] = info.problems.map((p) => ({ kind: 'message', text: p }));
    return [
      ...problems,
      ...nodes.map((n, i): RunsTreeNode => ({
        kind: 'detail',
        checkpointPath: info.path,
        node: n,
        id: `detail:${info.path}#${i}`,
      })),
    ];
  }

  private runItem(runDir: string): vscode.TreeItem {
    const run = this.model.get(runDir);
    const item = new vscode.TreeItem(run?.name ?? runDir, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `run:${runDir}`;
    item.resourceUri = vscode.Uri.file(runDir);
    if (!run) return item;
    item.description = runDescription(run);
    item.iconPath = STATUS_ICONS[run.status];
    item.tooltip = runTooltip(run);
    const training = run.status === 'training' || run.status === 'stopping';
    const resumable = !training && run.record?.configPath != null && latestValidCheckpoint(run) !== undefined;
    const context: RunItemContext = training ? 'run.training' : resumable ? 'run.idle.resumable' : 'run.idle';
    item.contextValue = context;
    return item;
  }

  private checkpointItem(node: { runDir: string; path: string }): vscode.TreeItem {
    const run = this.model.get(node.runDir);
    const c = run?.checkpoints.find((x) => x.path === node.path);
    const item = new vscode.TreeItem(c?.name ?? node.path, vscode.TreeItemCollapsibleState.Collapsed);
    item.id = `checkpoint:${node.path}`;
    item.resourceUri = vscode.Uri.file(node.path);
    if (!c || !run) return item;
    const marks = checkpointMarks(c);
    // Only Hugging Face rows carry `format`; native rows never load the external module.
    const hf = 'format' in c ? external() : undefined;
    const formatMarks = hf?.isHfCheckpointRow(c) ? hf.hfCheckpointBadges(c) : [];
    item.description = checkpointDescription(c, formatMarks);
    item.iconPath = !c.valid
      ? new vscode.ThemeIcon('warning', new vscode.ThemeColor('problemsWarningIcon.foreground'))
      : c.best
        ? new vscode.ThemeIcon('star-full', new vscode.ThemeColor('charts.yellow'))
        : c.latest
          ? new vscode.ThemeIcon('pinned')
          : new vscode.ThemeIcon('save');
    const tooltip = new vscode.MarkdownString(undefined, true);
    tooltip.appendMarkdown(`**${c.name}**${marks.length ? ` — ${marks.join(', ')}` : ''}\n\n`);
    tooltip.appendText(`${c.path}\nModified ${new Date(c.mtimeMs).toLocaleString()}\n`);
    if (c.loss !== null)
      tooltip.appendText(`${CHECKPOINT_LOSS_LABEL} ${formatValue(c.loss)}: ${CHECKPOINT_LOSS_TOOLTIP}\n`);
    const lr = checkpointLearningRate(c);
    if (c.optimizer)
      tooltip.appendText(`Optimizer: ${c.optimizer.type}${lr !== null ? `, learning rate ${formatValue(lr)}` : ''}\n`);
    if (!c.valid) tooltip.appendMarkdown(`\n**Invalid:** `).appendText(c.problems.join('; ') || 'unknown reason');
    item.tooltip = tooltip;
    const running = run.status === 'training' || run.status === 'stopping';
    const context: CheckpointItemContext = `checkpoint.${c.valid ? 'valid' : 'invalid'}.${running ? 'training' : 'idle'}`;
    item.contextValue = context;
    return item;
  }
}

/** The Model node with its tensors listed beneath what it already shows. */
async function withTensors(
  checkpointPath: string,
  node: DetailNode,
  refused: (err: unknown) => void,
): Promise<DetailNode> {
  if (!node.tensorsFrom) return node;
  const tensors = await readTensorNodes(join(checkpointPath, node.tensorsFrom), undefined, refused);
  return { ...node, children: [...node.children, ...tensors] };
}

/** A file node's click: JSON opens in an editor, safetensors through Inspect Checkpoint; others do nothing. */
function openFileCommand(checkpointPath: string, file: string): vscode.Command | undefined {
  if (file.endsWith('.json'))
    return { title: 'Open File', command: 'vscode.open', arguments: [vscode.Uri.file(join(checkpointPath, file))] };
  if (file.endsWith('.safetensors'))
    return { title: 'Inspect Checkpoint', command: COMMANDS.inspectCheckpoint, arguments: [checkpointPath] };
  return undefined;
}
