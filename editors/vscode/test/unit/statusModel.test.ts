import assert from 'node:assert/strict';
import { test } from 'node:test';
import { RESTRICTED_TOOLTIP, Status, StatusEvent, deviceLabel, initialStatus, nextStatus, viewStatus } from '../../src/statusModel';

const run = (events: StatusEvent[], start: Status = initialStatus(true)) => events.reduce(nextStatus, start);
const text = (events: StatusEvent[], start?: Status) => viewStatus(run(events, start)).text;
const status = (params: Record<string, unknown>): StatusEvent => ({ kind: 'serverStatus', params });

test('a normal start: stopped, starting, loading, ready, generating, ready', () => {
  const steps: [StatusEvent, string][] = [
    [{ kind: 'clientStarting' }, '$(sync~spin) CodeAssist: starting'],
    [status({ state: 'loadingModel', model: 'codeassist-tiny', device: null }), '$(sync~spin) codeassist-tiny: loading model'],
    [status({ state: 'loadingSolution', device: 'cuda' }), '$(sync~spin) codeassist-tiny GPU: loading solution'],
    [status({ state: 'ready' }), '$(sparkle) codeassist-tiny GPU: ready'],
    [status({ state: 'generating' }), '$(sync~spin) codeassist-tiny GPU: generating'],
    [status({ state: 'ready', model: 'codeassist-tiny', device: 'cpu' }), '$(sparkle) codeassist-tiny CPU: ready'],
  ];
  assert.equal(viewStatus(initialStatus(true)).text, '$(debug-stop) CodeAssist: stopped');
  let current = initialStatus(true);
  for (const [event, expected] of steps) {
    current = nextStatus(current, event);
    assert.equal(viewStatus(current).text, expected, JSON.stringify(event));
  }
});

test('an error shows its message in the tooltip and the error colour until the next state', () => {
  const failed = run([{ kind: 'clientStarting' }, status({ state: 'error', model: 'm', device: 'cuda', message: 'CUDA not found: libcudart.so.12 is missing' })]);
  const view = viewStatus(failed);
  assert.equal(view.text, '$(error) m GPU: error');
  assert.equal(view.severity, 'error');
  assert.match(view.tooltip, /CUDA not found: libcudart\.so\.12 is missing/);
  assert.equal(viewStatus(nextStatus(failed, status({ state: 'ready' }))).severity, 'normal');
});

test('the client failing to start is an error; the process ending forgets model and device', () => {
  const ready = run([{ kind: 'clientStarting' }, status({ state: 'ready', model: 'm', device: 'cpu' })]);
  const stopped = nextStatus(ready, { kind: 'clientStopped' });
  assert.equal(viewStatus(stopped).text, '$(debug-stop) CodeAssist: stopped');
  assert.equal(viewStatus(stopped).severity, 'warning');
  const failed = nextStatus(stopped, { kind: 'clientFailed', message: 'spawn /x ENOENT' });
  assert.equal(viewStatus(failed).text, '$(error) CodeAssist: error');
  assert.match(viewStatus(failed).tooltip, /spawn \/x ENOENT/);
});

test('progress shows its title and percentage over the state, and ends', () => {
  const loading = run([
    { kind: 'clientStarting' },
    status({ state: 'loadingSolution', model: 'm', device: 'cpu' }),
    { kind: 'progress', token: 't1', value: { kind: 'begin', title: 'Loading solution', percentage: 0 } },
    { kind: 'progress', token: 't1', value: { kind: 'report', message: 'Fixture.csproj', percentage: 40 } },
  ]);
  assert.equal(viewStatus(loading).text, '$(sync~spin) m CPU: Loading solution 40%');
  assert.match(viewStatus(loading).tooltip, /Loading solution: Fixture\.csproj/);
  const ended = run([{ kind: 'progress', token: 't1', value: { kind: 'end' } }, status({ state: 'ready' })], loading);
  assert.equal(viewStatus(ended).text, '$(sparkle) m CPU: ready');
});

test('a progress title loses its "CodeAssist:" prefix, which the item already shows', () => {
  const loading = run([
    status({ state: 'loadingSolution', model: 'm', device: 'cpu' }),
    { kind: 'progress', token: 'p', value: { kind: 'begin', title: 'CodeAssist: loading Fixture.csproj' } },
  ]);
  assert.equal(viewStatus(loading).text, '$(sync~spin) m CPU: loading Fixture.csproj');
  assert.equal(text([{ kind: 'progress', token: 'q', value: { kind: 'begin' } }]), '$(sync~spin) CodeAssist: working');
});

test('a report or end for a token that never began changes nothing', () => {
  const ready = run([status({ state: 'ready', model: 'm', device: 'cpu' })]);
  assert.equal(run([{ kind: 'progress', token: 9, value: { kind: 'report', percentage: 50 } }], ready).progress, ready.progress);
  assert.equal(text([{ kind: 'progress', token: 9, value: { kind: 'end' } }], ready), '$(sparkle) m CPU: ready');
});

test('disabling shows at once, before the server confirms; enabling returns to the server state', () => {
  const ready = run([status({ state: 'ready', model: 'm', device: 'cpu' })]);
  const off = nextStatus(ready, { kind: 'enabled', enabled: false });
  assert.equal(viewStatus(off).text, '$(circle-slash) m CPU: disabled');
  assert.equal(text([status({ state: 'disabled' })], off), '$(circle-slash) m CPU: disabled');
  assert.equal(text([{ kind: 'enabled', enabled: true }, status({ state: 'ready' })], off), '$(sparkle) m CPU: ready');
});

test('an unknown state from a newer server keeps the last known state', () => {
  const ready = run([status({ state: 'ready', model: 'm', device: 'cpu' })]);
  assert.equal(text([status({ state: 'warmingUp', message: 'compiling kernels' })], ready), '$(sparkle) m CPU: ready');
});

test('device labels answer "is the GPU used?"', () => {
  assert.equal(deviceLabel('cuda'), 'GPU');
  assert.equal(deviceLabel('CPU'), 'CPU');
  assert.equal(deviceLabel(null), null);
  assert.equal(deviceLabel('dml'), 'dml');
});

test('Restricted Mode is said in the status bar and its tooltip until the server runs trusted', () => {
  const restricted = run([{ kind: 'trust', trusted: false }, { kind: 'clientStarting' }, status({ state: 'ready', model: 'm', device: 'cpu', trusted: false })]);
  assert.equal(viewStatus(restricted).text, '$(sparkle) m CPU: ready (restricted)');
  assert.ok(viewStatus(restricted).tooltip.includes(RESTRICTED_TOOLTIP));
  const granted = run([{ kind: 'trust', trusted: true }, { kind: 'clientStarting' }, status({ state: 'ready', trusted: true })], restricted);
  assert.equal(viewStatus(granted).text, '$(sparkle) m CPU: ready');
  assert.ok(!viewStatus(granted).tooltip.includes(RESTRICTED_TOOLTIP));
  // A server that does not say keeps what the client knows.
  assert.equal(viewStatus(run([status({ state: 'ready' })], restricted)).text, '$(sparkle) m CPU: ready (restricted)');
});

test('a team server shows as the model at its host, with the backend in the tooltip', () => {
  const after = nextStatus(initialStatus(true), status({ state: 'ready', model: 'Qwen/Qwen2.5-Coder-7B', device: null, backend: 'llamacpp at https://gpu01:8080' }));
  const view = viewStatus(after);
  assert.equal(view.text, '$(sparkle) Qwen/Qwen2.5-Coder-7B @ gpu01: ready');
  assert.match(view.tooltip, /Backend: llamacpp at https:\/\/gpu01:8080/);
  const down = viewStatus(nextStatus(after, status({ state: 'error', message: 'the team server at https://gpu01:8080 refused the connection; is it running and listening on port 8080?' })));
  assert.equal(down.severity, 'error');
  assert.match(down.tooltip, /refused the connection/);
});
