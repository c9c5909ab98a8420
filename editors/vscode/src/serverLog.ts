// Reads the level of a line the server wrote to stderr, so the CodeAssist log shows server
// lines at their own level instead of every line as an error. Pure, for `node --test`.

export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LEVELS: [RegExp, LineLevel][] = [
  [/^(trace|trce|verbose|vrb)$/, 'trace'],
  [/^(debug|dbug|dbg)$/, 'debug'],
  [/^(info|information|inf)$/, 'info'],
  [/^(warn|warning|wrn)$/, 'warn'],
  [/^(error|err|fail|crit|critical|fatal|ftl)$/, 'error'],
];

/**
 * The level named by the line's first word, with or without brackets or a colon, after an
 * optional timestamp: "warn: x", "[error] x", "2026-01-01T10:00:00Z info x". Lines without one,
 * such as the continuation lines of a stack trace, read as info.
 */
export function lineLevel(line: string): LineLevel {
  const match = /^\s*(?:\[?\d[\d\-:.TZ+ ]*\]?\s+)?\[?([A-Za-z]+)\]?:?(?:\s|$)/.exec(line);
  const word = match?.[1]?.toLowerCase();
  if (word === undefined) return 'info';
  return LEVELS.find(([pattern]) => pattern.test(word))?.[1] ?? 'info';
}
