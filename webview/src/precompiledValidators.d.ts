// Generated at build time from src/core/protocol/precompiled.ts (see scripts/webviewBundle.mjs).
declare module 'precompiled:protocol-validators' {
  export const isTableHostToWebview: (
    raw: unknown,
  ) => raw is import('../../src/core/protocol/runsTable').TableHostToWebview;
}
