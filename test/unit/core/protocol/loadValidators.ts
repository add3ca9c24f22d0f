/** The webview's precompiled validators, loaded as the bundle gets them (for the protocol tests). */
import * as esbuild from 'esbuild';
import { runInNewContext } from 'node:vm';
import type { PRECOMPILED_SCHEMAS } from '../../../../src/core/protocol/precompiled';
import { repoRoot, webviewBuildOptions } from '../../../webview/harness/bundle';

export type Validators = Record<keyof typeof PRECOMPILED_SCHEMAS, (raw: unknown) => boolean>;

/** The generated module, through the same esbuild plugin the webview bundle uses. */
export async function loadValidators(): Promise<Validators> {
  const { plugins } = await webviewBuildOptions({});
  const built = await esbuild.build({
    stdin: { contents: "export * from 'precompiled:protocol-validators';", resolveDir: repoRoot },
    absWorkingDir: repoRoot,
    bundle: true,
    format: 'cjs',
    platform: 'browser',
    write: false,
    ...(plugins ? { plugins } : {}),
  });
  const module = { exports: {} as Validators };
  runInNewContext(built.outputFiles[0]!.text, { module, exports: module.exports });
  return module.exports;
}
