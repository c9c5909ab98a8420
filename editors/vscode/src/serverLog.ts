// Decides how a line the server wrote to stderr is shown in the CodeAssist log. Pure, for `node --test`.
//
// The server writes each log entry twice (docs/PROTOCOL.md): to stderr, and as `window/logMessage`,
// which the language client already shows at the entry's level. A stderr line tagged with a level
// is that echo, so it goes to the trace level, visible only when the user asks for it. A line with
// no tag was not written by the server's log: the .NET host or runtime speaking (a missing runtime,
// an unhandled exception), which is always worth seeing, so it shows as an error.

export type LineLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

const LEVELS: [RegExp, LineLevel][] = [
  [/^(trace|trce|verbose|vrb)$/, 'trace'],
  [/^(debug|dbug|dbg)$/, 'debug'],
  [/^(info|information|inf)$/, 'info'],
  [/^(warn|warning|wrn)$/, 'warn'],
  [/^(error|err|fail|crit|critical|fatal|ftl)$/, 'error'],
];

/**
 * The level a log line is tagged with, after an optional timestamp, with or without brackets or
 * a colon: "[07:38:43.940 info] x", "warn: x", "[error] x", "2026-01-01T10:00:00Z debug x".
 */
export function taggedLevel(line: string): LineLevel | undefined {
  const match = /^\s*\[?(?:\d[\d\-:.TZ+ ]*\s)?\s*\[?([A-Za-z]+)\]?:?(?:\s|$)/.exec(line);
  const word = match?.[1]?.toLowerCase();
  return word === undefined ? undefined : LEVELS.find(([pattern]) => pattern.test(word))?.[1];
}

/** Where a server stderr line goes in the log channel; see the comment at the top. */
export function stderrLineLevel(line: string): LineLevel {
  if (line.trim() === '') return 'trace';
  return taggedLevel(line) === undefined ? 'error' : 'trace';
}
