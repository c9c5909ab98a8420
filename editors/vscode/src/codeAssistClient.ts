// Owns the language client: starts `codeassist serve` over stdio, restarts it when the command
// line must change, and tells the server about every other settings change without a restart.
// Workspace Trust is part of the command line: in Restricted Mode the server runs `--untrusted`,
// and when the user grants trust the next update restarts it trusted, without a window reload.
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as vscode from 'vscode';
import {
  CancellationToken,
  DidChangeConfigurationNotification,
  ExecuteCommandRequest,
  LanguageClient,
  ParameterStructures,
  RequestType,
  RequestType0,
  State,
} from 'vscode-languageclient/node';
import { languageClientOptions } from './clientOptions';
import { expandHome, notFoundMessage, resolveServerPath, ResolvedServerPath } from './serverPath';
import { ClientSettings, changeNeedsNotification, changeNeedsRestart, serveArguments, toServerSettings } from './settings';
import type { StatusEvent, StatusParams } from './statusModel';

export class CodeAssistClient implements vscode.Disposable {
  private client: LanguageClient | undefined;
  // Settings can change several times while a restart runs; one change at a time keeps exactly one server.
  private queue: Promise<void> = Promise.resolve();
  /** Whether the running server (or the last one started) was started trusted. */
  private launchedTrusted: boolean | undefined;

  constructor(
    private settings: ClientSettings,
    private readonly log: vscode.LogOutputChannel,
    private readonly report: (event: StatusEvent) => void,
    /** VS Code's Workspace Trust, asked at each launch because the user can grant it at any time. */
    private readonly isTrusted: () => boolean = () => vscode.workspace.isTrusted,
  ) {}

  get current(): ClientSettings {
    return this.settings;
  }

  get languageClient(): LanguageClient | undefined {
    return this.client?.isRunning() ? this.client : undefined;
  }

  serverPath(): ResolvedServerPath {
    return resolveServerPath(this.settings.serverPath, {
      pathVariable: process.env.PATH,
      home: os.homedir(),
      platform: process.platform,
      isExecutable: (file) => {
        try {
          fs.accessSync(file, fs.constants.X_OK);
          return fs.statSync(file).isFile();
        } catch {
          return false;
        }
      },
    });
  }

  /** Starts the server; the status bar reports how that goes. */
  start(): Promise<void> {
    return this.enqueue(() => this.launch());
  }

  private async launch(): Promise<void> {
    const server = this.serverPath();
    this.launchedTrusted = undefined;
    if (!server.found) {
      const message = notFoundMessage(server);
      this.log.error(`${message} Looked at: ${server.tried.join(', ') || '(PATH is empty)'}`);
      this.report({ kind: 'clientFailed', message });
      void vscode.window.showErrorMessage(message, 'Open Settings').then((choice) => {
        if (choice) void vscode.commands.executeCommand('workbench.action.openSettings', 'codeassist.serverPath');
      });
      return;
    }
    const trusted = this.isTrusted();
    this.launchedTrusted = trusted;
    this.report({ kind: 'trust', trusted });
    const args = serveArguments(this.settings, (p) => expandHome(p, os.homedir()), trusted);
    this.log.info(`Starting ${server.command} ${args.join(' ')}${trusted ? '' : ' (Restricted Mode: no project is evaluated, installed models only)'}`);
    const clientOptions = languageClientOptions(() => this.settings, trusted, this.log, this.report);
    const client = new LanguageClient(
      'codeassist',
      'CodeAssist',
      // No `transport`: TransportKind.stdio would append `--stdio`, which `codeassist serve` does not take.
      { command: server.command, args },
      clientOptions,
    );
    client.onDidChangeState(({ newState }) => {
      if (newState === State.Starting) this.report({ kind: 'clientStarting' });
      if (newState === State.Stopped) this.report({ kind: 'clientStopped' });
    });
    client.onNotification('codeAssist/status', (params: StatusParams) => this.report({ kind: 'serverStatus', params }));
    this.client = client;
    try {
      await client.start();
    } catch (error) {
      const message = `CodeAssist server ${server.command} did not start: ${error instanceof Error ? error.message : String(error)}`;
      this.log.error(message);
      this.report({ kind: 'clientFailed', message });
    }
  }

  async stop(): Promise<void> {
    const client = this.client;
    this.client = undefined;
    if (client === undefined) return;
    try {
      await client.stop(5000);
    } catch (error) {
      this.log.warn(`Stopping the CodeAssist server: ${error instanceof Error ? error.message : String(error)}`);
    }
    await client.dispose();
  }

  /** Restarts the server with the current settings, after any restart or update already under way. */
  restart(): Promise<void> {
    return this.enqueue(async () => {
      await this.stop();
      await this.launch();
    });
  }

  /**
   * Applies new settings: a restart when the command line or selector changes (trust included: granting it restarts
   * the server trusted), else one notification.
   */
  update(settings: ClientSettings): Promise<void> {
    return this.enqueue(async () => {
      const before = this.settings;
      this.settings = settings;
      this.report({ kind: 'enabled', enabled: settings.enable });
      const trustChanged = this.launchedTrusted !== undefined && this.launchedTrusted !== this.isTrusted();
      if (changeNeedsRestart(before, settings) || trustChanged) {
        await this.stop();
        await this.launch();
      } else if (changeNeedsNotification(before, settings) && this.languageClient) {
        await this.languageClient.sendNotification(DidChangeConfigurationNotification.type, {
          settings: { codeassist: toServerSettings(settings) },
        });
      }
    });
  }

  private enqueue(work: () => Promise<void>): Promise<void> {
    this.queue = this.queue.then(work, work);
    return this.queue;
  }

  /**
   * Sends a request to the running server; rejects with a message for people when none runs.
   * Typed request objects, because the string form counts an `undefined` argument as a
   * parameter and sends `params: [null]`, which servers rightly refuse for "no params".
   */
  async request<R>(method: string, params?: object, token?: CancellationToken): Promise<R> {
    const client = this.languageClient;
    if (client === undefined) throw new Error('The CodeAssist server is not running. Run "CodeAssist: Restart Server" or see "CodeAssist: Show Log".');
    if (params === undefined) return client.sendRequest(new RequestType0<R, void>(method), token);
    return client.sendRequest(new RequestType<object, R, void>(method, ParameterStructures.byName), params, token);
  }

  executeCommand(command: string, args: unknown[], token?: CancellationToken): Promise<unknown> {
    return this.request(ExecuteCommandRequest.method, { command, arguments: args }, token);
  }

  dispose(): void {
    void this.stop();
  }
}
