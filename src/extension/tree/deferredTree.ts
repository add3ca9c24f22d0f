/**
 * The Runs view's data provider as activation registers it: the real provider (and the run store
 * behind it) is created the first time the view asks for rows, that is when the view is first shown.
 */
import * as vscode from 'vscode';

export class DeferredTreeDataProvider<T> implements vscode.TreeDataProvider<T>, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<T | T[] | undefined | null | void>();
  private provider: vscode.TreeDataProvider<T> | undefined;
  private subscription: vscode.Disposable | undefined;
  readonly onDidChangeTreeData = this.changed.event;

  constructor(private readonly create: () => vscode.TreeDataProvider<T>) {}

  getChildren(element?: T): vscode.ProviderResult<T[]> {
    return this.real().getChildren(element);
  }

  getTreeItem(element: T): vscode.TreeItem | Thenable<vscode.TreeItem> {
    return this.real().getTreeItem(element);
  }

  resolveTreeItem(
    item: vscode.TreeItem,
    element: T,
    token: vscode.CancellationToken,
  ): vscode.ProviderResult<vscode.TreeItem> {
    const provider = this.real();
    return provider.resolveTreeItem ? provider.resolveTreeItem(item, element, token) : item;
  }

  dispose(): void {
    this.subscription?.dispose();
    this.changed.dispose();
  }

  private real(): vscode.TreeDataProvider<T> {
    if (!this.provider) {
      this.provider = this.create();
      this.subscription = this.provider.onDidChangeTreeData?.((e) => this.changed.fire(e));
    }
    return this.provider;
  }
}
