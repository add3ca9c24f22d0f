/**
 * Command lines of external trainers: splitting a command written as one string into arguments
 * (POSIX-shell quoting rules, but no shell: no variables, globs or pipes), substituting
 * `{placeholders}` inside each argument (so a path with spaces stays one argument), and quoting an
 * argument list back into a line a user can paste into a terminal. vscode-free and unit-tested.
 */

export class CommandLineError extends Error {}

/**
 * Splits `text` into arguments: whitespace separates, '...' is literal, "..." allows \" \\ \$ \`
 * escapes, a backslash outside quotes escapes the next character. Throws on an unclosed quote.
 */
export function splitCommandLine(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inArg = false;
  let i = 0;
  while (i < text.length) {
    const ch = text[i] as string;
    if (/\s/.test(ch)) {
      if (inArg) args.push(current);
      current = '';
      inArg = false;
      i++;
      continue;
    }
    inArg = true;
    if (ch === "'") {
      const end = text.indexOf("'", i + 1);
      if (end < 0) throw new CommandLineError(`unclosed ' (single quote) at character ${i + 1}`);
      current += text.slice(i + 1, end);
      i = end + 1;
    } else if (ch === '"') {
      i++;
      for (;;) {
        if (i >= text.length) throw new CommandLineError('unclosed " (double quote)');
        const c = text[i] as string;
        if (c === '"') break;
        if (c === '\\' && i + 1 < text.length && '"\\$`'.includes(text[i + 1] as string)) {
          current += text[i + 1];
          i += 2;
        } else {
          current += c;
          i++;
        }
      }
      i++;
    } else if (ch === '\\') {
      if (i + 1 >= text.length) throw new CommandLineError('a trailing \\ escapes nothing');
      current += text[i + 1];
      i += 2;
    } else {
      current += ch;
      i++;
    }
  }
  if (inArg) args.push(current);
  return args;
}

/** One argument as a POSIX shell reads it back: bare when safe, else single-quoted. */
export function quoteArg(arg: string): string {
  if (arg !== '' && /^[A-Za-z0-9_@%+=:,./-]+$/.test(arg)) return arg;
  return `'${arg.replace(/'/g, `'\\''`)}'`;
}

export function quoteCommandLine(argv: readonly string[]): string {
  return argv.map(quoteArg).join(' ');
}

export type PlaceholderValues = Readonly<Record<string, string | undefined>>;

/**
 * Replaces `{name}` with `values[name]` in one argument; `{{` and `}}` stand for literal braces.
 * Only `{identifier}` is a placeholder, so JSON such as `{"a": 1}` passes through. Throws naming the
 * placeholder when it is unknown or has no value here (e.g. `{checkpoint}` outside a resume).
 */
export function substitutePlaceholders(arg: string, values: PlaceholderValues): string {
  return arg.replace(/\{\{|\}\}|\{([A-Za-z_][A-Za-z0-9_]*)\}/g, (match, name: string | undefined) => {
    if (match === '{{') return '{';
    if (match === '}}') return '}';
    const key = name as string;
    if (!(key in values)) {
      const known = Object.keys(values)
        .map((k) => `{${k}}`)
        .join(', ');
      throw new CommandLineError(`unknown placeholder {${key}} (known: ${known}; write {{${key}}} for literal braces)`);
    }
    const value = values[key];
    if (value === undefined) throw new CommandLineError(`placeholder {${key}} has no value here`);
    return value;
  });
}
