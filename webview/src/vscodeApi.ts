/** The VS Code webview API, typed for this panel. `acquireVsCodeApi` may be called only once. */
import type { PanelState, WebviewToHost } from '../../src/core/protocol/webview';

interface VsCodeApi {
  postMessage(message: unknown): void;
  getState(): unknown;
  setState(state: unknown): void;
}

declare function acquireVsCodeApi(): VsCodeApi;

export interface PanelHost {
  post(message: WebviewToHost): void;
  getState(): unknown;
  setState(state: PanelState): void;
}

export function connectToHost(): PanelHost {
  const api = acquireVsCodeApi();
  return {
    post: (message) => api.postMessage(message),
    getState: () => api.getState(),
    setState: (state) => api.setState(state),
  };
}
