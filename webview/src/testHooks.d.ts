/**
 * Set by the bundler (scripts/webviewBundle.mjs): true only in the webview tests' build, so the
 * read-only view they use is compiled out of the product.
 */
declare const TRAINING_RUNS_TEST_HOOKS: boolean;
