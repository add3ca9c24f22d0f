/**
 * Checks a message from the host against the protocol. The precompiled validator (generated from the
 * zod schema at build time) and the length checks it cannot state decide quickly on a chart's
 * thousands of points; zod itself, slow in the jitless mode the CSP imposes, runs only on a refusal,
 * to word it (and its verdict stands: it also accepts settings with fields left to their defaults).
 */
import { isHostToWebviewShape } from 'precompiled:protocol-validators';
import { hostMessageLengthsAgree, parseHostToWebview } from '../../src/core/protocol/webview';

export function parseHostMessage(raw: unknown): ReturnType<typeof parseHostToWebview> {
  if (isHostToWebviewShape(raw) && hostMessageLengthsAgree(raw)) return { ok: true, value: raw };
  return parseHostToWebview(raw);
}
