/**
 * Checks a message from the host against the protocol. The precompiled validator (generated from the
 * zod schema at build time) decides in a few milliseconds for a thousand rows; zod itself, slow in
 * the jitless mode the CSP imposes, runs only on a refusal, to word it (and its verdict stands).
 */
import { isTableHostToWebview } from 'precompiled:protocol-validators';
import { parseTableHostToWebview } from '../../../src/core/protocol/runsTable';

export function parseHostMessage(raw: unknown): ReturnType<typeof parseTableHostToWebview> {
  if (isTableHostToWebview(raw)) return { ok: true, value: raw };
  return parseTableHostToWebview(raw);
}
