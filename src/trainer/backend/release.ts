/**
 * Lets the process exit after a WebGPU run: Dawn keeps the event loop alive while anything holds
 * the GPU object it created (dawn.node lifetime note), and the trainer installs it as navigator.gpu.
 * No tfjs import here, so the CLI entry can call it without loading tfjs.
 */
export function releaseGpuGlobals(): void {
  const nav = (globalThis as { navigator?: { gpu?: unknown } }).navigator;
  if (nav && typeof nav === 'object' && 'gpu' in nav) {
    try {
      delete nav.gpu;
    } catch {
      // A frozen navigator (not ours) holds no Dawn object.
    }
  }
}
