/**
 * Writes media/schema/training-config.schema.json from the config schema (src/core/config), for
 * the extension's `yamlValidation` contribution and `# yaml-language-server: $schema=` lines.
 * Run: npx tsx scripts/export-schema.ts [--check]   (--check fails when the file is stale)
 */
import { readFileSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { trainConfigJsonSchema } from '../src/core/config/jsonSchema';

const target = path.resolve(__dirname, '..', 'media', 'schema', 'training-config.schema.json');
const text = `${JSON.stringify(trainConfigJsonSchema(), null, 2)}\n`;

if (process.argv.includes('--check')) {
  let current = '';
  try {
    current = readFileSync(target, 'utf8');
  } catch {
    // missing counts as stale
  }
  if (current !== text) {
    console.error(`${path.relative(process.cwd(), target)} is stale: run npx tsx scripts/export-schema.ts`);
    process.exit(1);
  }
  console.log(`${path.relative(process.cwd(), target)} is up to date`);
} else {
  writeFileSync(target, text);
  console.log(`wrote ${path.relative(process.cwd(), target)} (${text.length} bytes)`);
}
