// Waits out a pause in typing. Pure: the cancellation token is any object with the two members used.

export interface CancellationSignal {
  readonly isCancellationRequested: boolean;
  onCancellationRequested(listener: () => unknown): { dispose(): unknown };
}

/**
 * Resolves true after `ms` milliseconds, or false as soon as `token` is cancelled. VS Code
 * cancels an inline-completion request when the user types on, so waiting here before asking
 * the server is a debounce: only the request of the last keystroke reaches the server.
 */
export function waitUnlessCancelled(ms: number, token: CancellationSignal): Promise<boolean> {
  if (token.isCancellationRequested) return Promise.resolve(false);
  if (ms <= 0) return Promise.resolve(true);
  return new Promise((resolve) => {
    const timer = setTimeout(() => {
      subscription.dispose();
      resolve(true);
    }, ms);
    const subscription = token.onCancellationRequested(() => {
      clearTimeout(timer);
      subscription.dispose();
      resolve(false);
    });
  });
}
