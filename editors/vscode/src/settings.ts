// Maps the editor's `codeassist.*` settings to what the server and the language client need.
// Pure: no `vscode` import, so `node --test` covers it without an editor.

export type Device = 'auto' | 'cuda' | 'cpu';
export type LogLevel = 'trace' | 'debug' | 'info' | 'warn' | 'error';

/** Every `codeassist.*` setting, normalised. package.json documents each key. */
export interface ClientSettings {
  enable: boolean;
  serverPath: string;
  modelPath: string;
  device: Device;
  maxTokens: number;
  multiline: boolean;
  languages: string[];
  debounceMs: number;
  logLevel: LogLevel;
  /** `local`, or a team inference server (docs/TEAM.md); passed to the server as is, which validates it. */
  backend: Backend;
  /** Next-edit suggestions after the user's edits (client side: the editor asks codeAssist/nextEdit only when on). */
  nextEdits: boolean;
}

/** A team server: docs/TEAM.md lists every field. The API key is never one of them. */
export type Backend = 'local' | { kind: string; url: string; [field: string]: unknown };

/** The `Settings` object of docs/PROTOCOL.md: `initializationOptions` and `settings.codeassist`. */
export interface ServerSettings {
  enable: boolean;
  modelPath?: string;
  device: Device;
  maxTokens: number;
  multiline: boolean;
  backend?: Backend;
}

/** One defaults table; package.json carries the same values for the Settings UI. */
export const DEFAULTS: Readonly<ClientSettings> = Object.freeze({
  enable: true,
  serverPath: '',
  modelPath: '',
  device: 'auto',
  maxTokens: 64,
  multiline: true,
  languages: ['csharp', 'typescript', 'javascript', 'python', 'java', 'go', 'rust', 'cpp', 'c'],
  debounceMs: 150,
  logLevel: 'info',
  backend: 'local',
  nextEdits: true,
});

/** Settings whose change needs a new server process (command line, document selector). */
export const RESTART_KEYS: readonly (keyof ClientSettings)[] = ['serverPath', 'modelPath', 'device', 'languages', 'logLevel'];

const DEVICES: readonly Device[] = ['auto', 'cuda', 'cpu'];
const LOG_LEVELS: readonly LogLevel[] = ['trace', 'debug', 'info', 'warn', 'error'];

/**
 * Reads settings through `get(key)` (the `codeassist` section's values, `undefined` when unset)
 * and replaces values of the wrong type or out of range by their defaults, because a hand-edited
 * settings.json must never make the extension pass nonsense to the server.
 */
export function readSettings(get: (key: keyof ClientSettings) => unknown): ClientSettings {
  const bool = (key: 'enable' | 'multiline' | 'nextEdits') => {
    const value = get(key);
    return typeof value === 'boolean' ? value : DEFAULTS[key];
  };
  const text = (key: 'serverPath' | 'modelPath') => {
    const value = get(key);
    return typeof value === 'string' ? value.trim() : DEFAULTS[key];
  };
  const integer = (key: 'maxTokens' | 'debounceMs', min: number, max: number) => {
    const value = get(key);
    if (typeof value !== 'number' || !Number.isFinite(value)) return DEFAULTS[key];
    return Math.min(max, Math.max(min, Math.round(value)));
  };
  const oneOf = <T extends string>(key: keyof ClientSettings, allowed: readonly T[], fallback: T): T => {
    const value = get(key);
    return typeof value === 'string' && (allowed as readonly string[]).includes(value) ? (value as T) : fallback;
  };
  const languages = get('languages');
  return {
    enable: bool('enable'),
    serverPath: text('serverPath'),
    modelPath: text('modelPath'),
    device: oneOf('device', DEVICES, DEFAULTS.device),
    maxTokens: integer('maxTokens', 1, 1024),
    multiline: bool('multiline'),
    languages: Array.isArray(languages)
      ? [...new Set(languages.filter((l): l is string => typeof l === 'string' && l.trim() !== '').map((l) => l.trim()))]
      : [...DEFAULTS.languages],
    debounceMs: integer('debounceMs', 0, 2000),
    logLevel: oneOf('logLevel', LOG_LEVELS, DEFAULTS.logLevel),
    backend: readBackend(get('backend')),
    nextEdits: bool('nextEdits'),
  };
}

/** An object with a kind and a url is a server; anything else is the local model. The server reports bad fields. */
function readBackend(value: unknown): Backend {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return 'local';
  const server = value as Record<string, unknown>;
  return typeof server.kind === 'string' && typeof server.url === 'string' ? (server as Backend) : 'local';
}

/** The protocol's Settings object. An empty modelPath is left out so the server uses its default model. */
export function toServerSettings(settings: ClientSettings): ServerSettings {
  const result: ServerSettings = {
    enable: settings.enable,
    device: settings.device,
    maxTokens: settings.maxTokens,
    multiline: settings.multiline,
  };
  if (settings.modelPath !== '') result.modelPath = settings.modelPath;
  if (settings.backend !== 'local') result.backend = settings.backend;
  return result;
}

/**
 * `codeassist serve [--model DIR] [--device D] [--log-level L] [--untrusted]`, as docs/PROTOCOL.md "Launch" gives it.
 * `trusted` is VS Code's Workspace Trust: in Restricted Mode the server evaluates no project and loads installed models only.
 */
export function serveArguments(settings: ClientSettings, expandHome: (path: string) => string = (p) => p, trusted = true): string[] {
  const args = ['serve'];
  if (settings.modelPath !== '') args.push('--model', expandHome(settings.modelPath));
  args.push('--device', settings.device, '--log-level', settings.logLevel);
  if (!trusted) args.push('--untrusted');
  return args;
}

/**
 * The `initialize` request's options: the settings, and `untrusted: true` in Restricted Mode. The flag goes both on
 * the command line and here, so a server that predates one of them still hears the other.
 */
export function initializationOptions(settings: ClientSettings, trusted: boolean): ServerSettings & { untrusted?: true } {
  return trusted ? toServerSettings(settings) : { ...toServerSettings(settings), untrusted: true };
}

export interface DocumentFilter {
  scheme: 'file' | 'untitled';
  language: string;
}

/** The language client's document selector: saved and untitled files of each enabled language. */
export function documentSelector(languages: readonly string[]): DocumentFilter[] {
  return languages.flatMap((language) => [
    { scheme: 'file' as const, language },
    { scheme: 'untitled' as const, language },
  ]);
}

/** Whether a configuration change needs a server restart, or only a didChangeConfiguration. */
export function changeNeedsRestart(before: ClientSettings, after: ClientSettings): boolean {
  return RESTART_KEYS.some((key) => JSON.stringify(before[key]) !== JSON.stringify(after[key]));
}

/** Whether a configuration change alters what the server is told in `settings.codeassist`. */
export function changeNeedsNotification(before: ClientSettings, after: ClientSettings): boolean {
  return JSON.stringify(toServerSettings(before)) !== JSON.stringify(toServerSettings(after));
}

export type ConfigurationLevel = 'global' | 'workspace' | 'workspaceFolder';

/**
 * Where "Toggle" writes `codeassist.enable`: the most specific level that sets it, because writing
 * the user level while a workspace overrides it would change nothing the user can see.
 */
export function toggleLevel(inspected: { workspaceValue?: unknown; workspaceFolderValue?: unknown } | undefined): ConfigurationLevel {
  if (inspected?.workspaceFolderValue !== undefined) return 'workspaceFolder';
  if (inspected?.workspaceValue !== undefined) return 'workspace';
  return 'global';
}
