import assert from 'node:assert/strict';
import { test } from 'node:test';
import { CancellationSignal, waitUnlessCancelled } from '../../src/debounce';

class Token implements CancellationSignal {
  isCancellationRequested = false;
  private listeners: (() => unknown)[] = [];
  onCancellationRequested(listener: () => unknown) {
    this.listeners.push(listener);
    return { dispose: () => (this.listeners = this.listeners.filter((l) => l !== listener)) };
  }
  cancel() {
    this.isCancellationRequested = true;
    for (const listener of [...this.listeners]) listener();
  }
  get listening() {
    return this.listeners.length;
  }
}

test('resolves true after the pause and stops listening', async () => {
  const token = new Token();
  assert.equal(await waitUnlessCancelled(5, token), true);
  assert.equal(token.listening, 0);
});

test('a keystroke during the pause (cancellation) resolves false at once', async () => {
  const token = new Token();
  const waiting = waitUnlessCancelled(60_000, token);
  token.cancel();
  assert.equal(await waiting, false);
  assert.equal(token.listening, 0);
});

test('already cancelled: false; no pause configured: true without waiting', async () => {
  const cancelled = new Token();
  cancelled.cancel();
  assert.equal(await waitUnlessCancelled(10, cancelled), false);
  assert.equal(await waitUnlessCancelled(0, new Token()), true);
});
