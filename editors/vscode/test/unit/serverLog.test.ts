import assert from 'node:assert/strict';
import { test } from 'node:test';
import { LineLevel, stderrLineLevel, taggedLevel } from '../../src/serverLog';

test('levels tagged on log lines', () => {
  const cases: [string, LineLevel | undefined][] = [
    // The server's own format (src/CodeAssist.Server/ServerLog.cs).
    ['[07:38:43.940 info] codeassist 0.1.0 serving LSP on stdio (pid 20739)', 'info'],
    ['[07:38:44.083 warn] no GPU', 'warn'],
    ['[07:38:44.083 error] GenAI could not load /m', 'error'],
    ['[07:38:44.083 debug] settings: x', 'debug'],
    ['[07:38:44.083 trace] token 42', 'trace'],
    // Other common formats.
    ['info: CodeAssist.Server[0] listening on stdio', 'info'],
    ['fail: CodeAssist.Server[3] request failed', 'error'],
    ['dbug: prompt 812 tokens', 'debug'],
    ['[WARN] slow', 'warn'],
    ['2026-11-25T07:34:52.151Z debug cache hit', 'debug'],
    ['2026-11-25 07:34:52.151 [warning] no GPU', 'warn'],
    // Untagged.
    ['Unhandled exception. System.IO.FileNotFoundException: model.onnx', undefined],
    ['   at CodeAssist.Server.Program.Main()', undefined],
    ['You must install or update .NET to run this application.', undefined],
    ['errors: 0', undefined],
    ['', undefined],
  ];
  for (const [line, level] of cases) assert.equal(taggedLevel(line), level, line);
});

test('tagged stderr lines echo window/logMessage and go to trace; untagged ones are errors', () => {
  assert.equal(stderrLineLevel('[07:38:44.083 error] GenAI could not load /m'), 'trace');
  assert.equal(stderrLineLevel('[07:38:43.940 info] serving'), 'trace');
  assert.equal(stderrLineLevel('Unhandled exception. System.OutOfMemoryException'), 'error');
  assert.equal(stderrLineLevel('   '), 'trace');
});
