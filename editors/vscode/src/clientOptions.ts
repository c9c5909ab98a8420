// The language client's options: which documents, where logs go, and the few hooks CodeAssist
// adds to what vscode-languageclient does by itself. Settings are pushed (initializationOptions, then
// workspace/didChangeConfiguration); the server never pulls them, so there is no workspace/configuration hook.
// File watching needs nothing here either: vscode-languageclient answers the server's dynamic registration of
// workspace/didChangeWatchedFiles with VS Code's own file watcher.
import * as readline from 'node:readline';
import type * as vscode from 'vscode';
import { LanguageClientOptions, RevealOutputChannelOn } from 'vscode-languageclient/node';
import { inlineCompletionMiddleware } from './inlineCompletion';
import { stderrLineLevel } from './serverLog';
import { ClientSettings, documentSelector, initializationOptions } from './settings';
import type { StatusEvent } from './statusModel';

export function languageClientOptions(
  settings: () => ClientSettings,
  trusted: boolean,
  log: vscode.LogOutputChannel,
  report: (event: StatusEvent) => void,
): LanguageClientOptions {
  return {
    documentSelector: documentSelector(settings().languages),
    outputChannel: log,
    // The status bar shows trouble; the log opens when the user asks for it.
    revealOutputChannelOn: RevealOutputChannelOn.Never,
    stdioOptions: {
      // Stdout carries the protocol, so nothing arrives here; see serverLog.ts for stderr.
      stdout: () => undefined,
      stderr: (input, channel) => {
        readline.createInterface({ input, crlfDelay: Infinity }).on('line', (line) => channel[stderrLineLevel(line)](line));
      },
    },
    initializationOptions: initializationOptions(settings(), trusted),
    middleware: {
      provideInlineCompletionItems: inlineCompletionMiddleware(settings),
      handleWorkDoneProgress: (token, value, next) => {
        report({ kind: 'progress', token, value });
        next(token, value);
      },
    },
  };
}
