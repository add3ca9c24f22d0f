/**
 * The trainer protocol's version, apart from its schemas (trainerEvents.ts) so the launcher can
 * name it without loading zod at activation.
 */

/** Bumped on any change to the messages of trainerEvents.ts; checked at both ends (see `protocolMismatch`). */
export const PROTOCOL_VERSION = 1;
/** The launcher tells the trainer its protocol version in this environment variable. */
export const PROTOCOL_ENV = 'TRAINING_RUNS_PROTOCOL';

/**
 * Why a trainer and its launcher cannot talk (they come from different versions of Training Runs),
 * or null when `theirs` is this build's version. `peer` is what the other end is called.
 */
export function protocolMismatch(theirs: unknown, peer: 'trainer' | 'launcher'): string | null {
  if (theirs === PROTOCOL_VERSION) return null;
  const shown = typeof theirs === 'number' || typeof theirs === 'string' ? String(theirs) : 'none';
  const self = peer === 'trainer' ? 'this extension' : 'this trainer';
  return `The ${peer} speaks protocol version ${shown} but ${self} speaks version ${PROTOCOL_VERSION}: they come from different versions of Training Runs. Run the trainer bundled with the extension (dist/trainer.js of the same version).`;
}

/** The mismatch a `started` message announces, or null (not a `started` message, or the same version). */
export function startedProtocolMismatch(raw: unknown): string | null {
  if (typeof raw !== 'object' || raw === null || (raw as { type?: unknown }).type !== 'started') return null;
  return protocolMismatch((raw as { protocol?: unknown }).protocol, 'trainer');
}
