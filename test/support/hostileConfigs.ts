/** YAML configs built from the hostile cases of issue 15, for the reader tests and the real host's. */

/** Billion laughs: `levels` of aliases, each expanding the one before ten times (10^levels in all). */
export function billionLaughs(levels: number): string {
  const lines = ['a0: &a0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]'];
  for (let i = 1; i <= levels; i++)
    lines.push(`a${i}: &a${i} [${Array.from({ length: 10 }, () => `*a${i - 1}`).join(', ')}]`);
  return `${lines.join('\n')}\n`;
}

/** Ordinary YAML of about `bytes` (under the size limit) that takes seconds to parse. */
export function slowConfig(bytes: number): string {
  let text = 'max_steps: 5\nextra:\n';
  for (let i = 0; text.length < bytes; i++) text += `  key_${i}: [${i}, ${i + 1}, "value ${i}"]\n`;
  return text;
}
