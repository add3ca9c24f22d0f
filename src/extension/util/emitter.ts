/**
 * A tiny typed event emitter for the vscode-free layers (process runner, run model), so they can be
 * unit-tested in plain Node. The shape (`event(listener) → { dispose }`) matches vscode.Event, so a
 * tree provider can subscribe to it directly.
 */
export interface Disposable {
  dispose(): void;
}

export type Listener<T> = (value: T) => void;

export class Emitter<T> {
  private readonly listeners = new Set<Listener<T>>();

  readonly event = (listener: Listener<T>): Disposable => {
    this.listeners.add(listener);
    return { dispose: () => this.listeners.delete(listener) };
  };

  fire(value: T): void {
    for (const l of [...this.listeners]) {
      try {
        l(value);
      } catch (err) {
        // One faulty listener must not starve the others (e.g. the tree when the status bar throws).
        console.error('[training-runs] listener failed:', err);
      }
    }
  }

  dispose(): void {
    this.listeners.clear();
  }
}
