import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineLevel, lineLevel } from '../../src/serverLog';

test('levels of server log lines', () => {
  const cases: [string, LineLevel][] = [
    ['info: CodeAssist.Server[0] listening on stdio', 'info'],
    ['warn: model folder has no tokenizer.json', 'warn'],
    ['fail: CodeAssist.Server[3] request failed', 'error'],
    ['crit: out of memory', 'error'],
    ['dbug: prompt 812 tokens', 'debug'],
    ['trce: token 42', 'trace'],
    ['[error] GenAI could not load /m', 'error'],
    ['[WARN] slow', 'warn'],
    ['2026-11-25T07:34:52.151Z debug cache hit', 'debug'],
    ['2026-11-25 07:34:52.151 [warning] no GPU', 'warn'],
    ['   at CodeAssist.Server.Program.Main()', 'info'],
    ['Loading solution Fixture.csproj', 'info'],
    ['errors: 0', 'info'],
    ['', 'info'],
  ];
  for (const [line, level] of cases) assert.equal(lineLevel(line), level, line);
});
