// Generated at build time from src/core/protocol/precompiled.ts (see scripts/webviewBundle.mjs).
declare module 'precompiled:protocol-validators' {
  export const isTableHostToWebview: (
    raw: unknown,
  ) => raw is import('../../src/core/protocol/runsTable').TableHostToWebview;
  export const isHostToWebviewShape: (
    raw: unknown,
  ) => raw is import('zod').infer<typeof import('../../src/core/protocol/webview').hostToWebviewShapeSchema>;
}
