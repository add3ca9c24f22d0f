/**
 * Text rules of config diagnostics, vscode-free so they are unit-tested: the range a problem
 * covers (the key or value token at the reported line and column) and the replacement a
 * "did you mean" suggestion proposes.
 */

export interface TokenRange {
  /** 0-based line. */
  line: number;
  /** 0-based columns, end exclusive. */
  start: number;
  end: number;
}

/**
 * The token at 1-based `line`:`column` of `text`: a quoted string whole, else the run of characters
 * up to a space, colon, comma, bracket or comment. Without a line, the first line; a position past
 * the text is clamped to its last line.
 */
export function tokenRange(text: string, line: number | null, column: number | null): TokenRange {
  const lines = text.split(/\r?\n/);
  const index = Math.min(Math.max(0, (line ?? 1) - 1), Math.max(0, lines.length - 1));
  const lineText = lines[index] ?? '';
  let start = Math.min(Math.max(0, (column ?? 1) - 1), lineText.length);
  if (line === null || column === null) start = lineText.length - lineText.trimStart().length;
  const rest = lineText.slice(start);
  const quoted = /^(["'])(?:\\.|(?!\1).)*\1/.exec(rest);
  const plain = /^[^\s:,#[\]{}]+/.exec(rest);
  const length = quoted?.[0].length ?? plain?.[0].length ?? 0;
  // An empty token (a problem reported at a line's end) still gets a visible squiggle.
  return length > 0
    ? { line: index, start, end: start + length }
    : { line: index, start: Math.max(0, start - 1), end: Math.max(start, Math.min(lineText.length, start + 1)) };
}

/**
 * The text a diagnostic's quick fix writes over its range: the quoted name of a
 * `did you mean "X"?` suggestion, keeping the quotes the current text has. Undefined when the
 * message suggests nothing to write there.
 */
export function suggestedReplacement(message: string, current: string): string | undefined {
  const match = /did you mean "([^"]+)"\?/.exec(message);
  if (!match) return undefined;
  const suggestion = match[1]!;
  const quote = /^(["'])/.exec(current)?.[1];
  return quote ? `${quote}${suggestion}${quote}` : suggestion;
}
