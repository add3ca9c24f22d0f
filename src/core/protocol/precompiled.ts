/**
 * The protocol schemas a webview checks with validators compiled at build time
 * (scripts/precompiledValidators.ts, imported as `precompiled:protocol-validators`). A webview's CSP
 * forbids zod's compiled checks (no 'unsafe-eval') and its interpreted ones are slow on messages of
 * a thousand rows or a chart's thousands of points. The zod schema stays the one source of truth: the validator is generated from it,
 * and zod still explains every refusal.
 */
import { tableHostToWebviewSchema } from './runsTable';
import { hostToWebviewShapeSchema } from './webview';

export const PRECOMPILED_SCHEMAS = {
  isTableHostToWebview: tableHostToWebviewSchema,
  /** The loss-curves panel's: with hostMessageLengthsAgree, what hostToWebviewSchema accepts. */
  isHostToWebviewShape: hostToWebviewShapeSchema,
} as const;
