// Guards around the language client's built-in inline-completion request. The request itself,
// and the ghost text, are the language client's and VS Code's: this adds no completion logic.
import * as vscode from 'vscode';
import type { Middleware } from 'vscode-languageclient/node';
import { waitUnlessCancelled } from './debounce';
import type { ClientSettings } from './settings';

export function inlineCompletionMiddleware(settings: () => ClientSettings): Middleware['provideInlineCompletionItems'] {
  return async (document, position, context, token, next) => {
    const current = settings();
    if (!current.enable) return null;
    // An explicit request (Alt+\) asks now; typing waits for a pause so only the last keystroke reaches the server.
    const automatic = context.triggerKind === vscode.InlineCompletionTriggerKind.Automatic;
    if (automatic && !(await waitUnlessCancelled(current.debounceMs, token))) return null;
    try {
      const result = await next(document, position, context, token);
      return token.isCancellationRequested ? null : result;
    } catch {
      // The language client has logged the failure; the editor must never see an exception.
      return null;
    }
  };
}
