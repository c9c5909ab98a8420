// The status bar's state machine: a reducer over client life-cycle events, the server's
// `codeAssist/status` notifications and `$/progress`, plus how each state reads in the status bar.
// Pure: no `vscode` import, so `node --test` covers it without an editor.

/** States of `codeAssist/status` (docs/PROTOCOL.md), and `stopped` when no server process runs. */
export type State = 'stopped' | 'starting' | 'loadingModel' | 'loadingSolution' | 'ready' | 'generating' | 'error' | 'disabled';

const SERVER_STATES: readonly string[] = ['starting', 'loadingModel', 'loadingSolution', 'ready', 'generating', 'error', 'disabled'];

/** The `codeAssist/status` notification's params. */
export interface StatusParams {
  state?: string;
  model?: string | null;
  device?: string | null;
  message?: string | null;
  /** False when the server runs untrusted (Restricted Mode). */
  trusted?: boolean;
  /** Which backend answers: "CPU", "GPU (CUDA)" or a team server, "llamacpp at https://gpu01:8080". */
  backend?: string | null;
}

/** LSP's WorkDoneProgressBegin | Report | End, reduced to what the status bar shows. */
export interface ProgressValue {
  kind: 'begin' | 'report' | 'end';
  title?: string;
  message?: string;
  percentage?: number;
}

export interface Progress {
  title: string;
  message?: string;
  percentage?: number;
}

export type StatusEvent =
  | { kind: 'clientStarting' }
  | { kind: 'clientStopped' }
  | { kind: 'clientFailed'; message: string }
  | { kind: 'serverStatus'; params: StatusParams }
  | { kind: 'progress'; token: string | number; value: ProgressValue }
  | { kind: 'enabled'; enabled: boolean }
  | { kind: 'trust'; trusted: boolean };

export interface Status {
  readonly state: State;
  readonly model: string | null;
  readonly device: string | null;
  readonly message: string | null;
  readonly backend: string | null;
  /** The user's `codeassist.enable`; shown at once, before the server confirms with `disabled`. */
  readonly enabled: boolean;
  /** Whether the server runs trusted; false in Restricted Mode, which the status bar says. */
  readonly trusted: boolean;
  /** Work-done progress by token, in the order it began. */
  readonly progress: ReadonlyMap<string | number, Progress>;
}

export function initialStatus(enabled: boolean): Status {
  return { state: 'stopped', model: null, device: null, message: null, backend: null, enabled, trusted: true, progress: new Map() };
}

export function nextStatus(status: Status, event: StatusEvent): Status {
  switch (event.kind) {
    case 'clientStarting':
      return { ...status, state: 'starting', message: null, progress: new Map() };
    case 'clientStopped':
      // Model and device belonged to the process that ended; progress it announced will never end.
      return { ...status, state: 'stopped', model: null, device: null, message: null, backend: null, progress: new Map() };
    case 'clientFailed':
      return { ...status, state: 'error', message: event.message, progress: new Map() };
    case 'serverStatus': {
      const { params } = event;
      // An unknown state (a newer server) keeps the last known one rather than guessing.
      const state = typeof params.state === 'string' && SERVER_STATES.includes(params.state) ? (params.state as State) : status.state;
      return {
        ...status,
        state,
        model: params.model !== undefined ? params.model : status.model,
        device: params.device !== undefined ? params.device : status.device,
        backend: params.backend !== undefined ? params.backend : status.backend,
        message: params.message ?? null,
        trusted: typeof params.trusted === 'boolean' ? params.trusted : status.trusted,
      };
    }
    case 'progress':
      return { ...status, progress: nextProgress(status.progress, event.token, event.value) };
    case 'enabled':
      return { ...status, enabled: event.enabled };
    case 'trust':
      return { ...status, trusted: event.trusted };
  }
}

function nextProgress(current: ReadonlyMap<string | number, Progress>, token: string | number, value: ProgressValue) {
  const progress = new Map(current);
  if (value.kind === 'begin') {
    // The status bar item already says it is CodeAssist's: "CodeAssist: loading x" reads "loading x".
    const title = (value.title ?? '').replace(/^CodeAssist:\s*/i, '') || 'working';
    progress.set(token, { title, message: value.message, percentage: value.percentage });
  } else if (value.kind === 'report') {
    const before = progress.get(token);
    if (before === undefined) return current;
    progress.set(token, {
      title: before.title,
      message: value.message ?? before.message,
      percentage: value.percentage ?? before.percentage,
    });
  } else {
    progress.delete(token);
  }
  return progress;
}

export type Severity = 'normal' | 'warning' | 'error';

export interface StatusView {
  text: string;
  tooltip: string;
  severity: Severity;
}

const LABELS: Record<State, string> = {
  stopped: 'stopped',
  starting: 'starting',
  loadingModel: 'loading model',
  loadingSolution: 'loading solution',
  ready: 'ready',
  generating: 'generating',
  error: 'error',
  disabled: 'disabled',
};

const BUSY: readonly State[] = ['starting', 'loadingModel', 'loadingSolution', 'generating'];

/** "cuda" reads GPU and "cpu" CPU, because users ask "is the GPU used?", not "which provider?". */
export function deviceLabel(device: string | null): string | null {
  if (device === null || device === '') return null;
  if (device.toLowerCase() === 'cuda') return 'GPU';
  if (device.toLowerCase() === 'cpu') return 'CPU';
  return device;
}

export const RESTRICTED_TOOLTIP =
  'Restricted Mode: the workspace is not trusted, so CodeAssist evaluates no project (completions use the open files and the framework) and loads only installed models. Trust the workspace to load the project.';

/** A team server reads as its host ("gpu01"), so the status bar says which machine answers. */
export function teamServerHost(backend: string | null): string | null {
  const url = backend?.match(/ at (https?:\/\/\S+)/)?.[1];
  if (url === undefined) return null;
  try {
    return new URL(url).hostname;
  } catch {
    return null;
  }
}

export function viewStatus(status: Status): StatusView {
  const state: State = status.enabled || status.state === 'error' || status.state === 'stopped' ? status.state : 'disabled';
  const latest = [...status.progress.values()].pop();
  const name = status.model ?? 'CodeAssist';
  const device = deviceLabel(status.device);
  const host = teamServerHost(status.backend);
  const who = host !== null ? `${name} @ ${host}` : device === null ? name : `${name} ${device}`;

  let label = LABELS[state];
  if (latest !== undefined && state !== 'error' && state !== 'disabled') {
    label = latest.percentage === undefined ? latest.title : `${latest.title} ${Math.round(latest.percentage)}%`;
  }
  const busy = latest !== undefined || BUSY.includes(state);
  const icon = state === 'error' ? '$(error)' : state === 'disabled' ? '$(circle-slash)' : busy ? '$(sync~spin)' : state === 'stopped' ? '$(debug-stop)' : '$(sparkle)';

  const tooltip = [
    `CodeAssist: ${LABELS[state]}`,
    ...(status.trusted ? [] : [RESTRICTED_TOOLTIP]),
    `Model: ${status.model ?? 'unknown'}`,
    host !== null ? `Backend: ${status.backend}` : `Device: ${device ?? 'unknown'}`,
    ...[...status.progress.values()].map((p) => `${p.title}${p.message ? `: ${p.message}` : ''}`),
    ...(status.message ? [status.message] : []),
    'Click for CodeAssist actions',
  ].join('\n');

  const severity: Severity = state === 'error' ? 'error' : state === 'stopped' ? 'warning' : 'normal';
  const restricted = status.trusted ? '' : ' (restricted)';
  return { text: `${icon} ${who}: ${label}${restricted}`, tooltip, severity };
}
