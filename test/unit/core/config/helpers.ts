import assert from 'node:assert/strict';
import * as path from 'node:path';
import { ConfigError } from '../../../../src/core/config';

export const fixtures = path.join(__dirname, 'fixtures');

/** Awaits a promise that must reject with a ConfigError, and returns that error. */
export async function configError(promise: Promise<unknown>): Promise<ConfigError> {
  const error = await promise.then(
    () => assert.fail('expected a ConfigError, but the config loaded'),
    (err: unknown) => err,
  );
  assert.ok(error instanceof ConfigError, `expected a ConfigError, got ${String(error)}`);
  return error;
}
