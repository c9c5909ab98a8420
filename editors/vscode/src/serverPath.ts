// Finds the `codeassist` executable. Pure: the file system and environment come in as arguments.
import * as path from 'node:path';

export interface PathEnvironment {
  /** The PATH variable, separated by `delimiter`. */
  pathVariable: string | undefined;
  home: string;
  platform: NodeJS.Platform;
  /** Whether `file` exists and may be executed. */
  isExecutable: (file: string) => boolean;
}

export interface ResolvedServerPath {
  /** The executable to start; when `found` is false, the last place tried, for the error message. */
  command: string;
  found: boolean;
  source: 'setting' | 'PATH' | 'default';
  /** Every place looked at, in order, so an error can say exactly where the server was sought. */
  tried: string[];
}

export const SERVER_NAME = 'codeassist';

/** `~` and `~/x` become the home folder; other paths are left alone. */
export function expandHome(file: string, home: string): string {
  if (file === '~') return home;
  if (file.startsWith('~/') || file.startsWith('~\\')) return path.join(home, file.slice(2));
  return file;
}

function onPath(name: string, env: PathEnvironment): { found?: string; tried: string[] } {
  const pathApi = env.platform === 'win32' ? path.win32 : path.posix;
  const names = env.platform === 'win32' ? [`${name}.exe`, `${name}.cmd`, name] : [name];
  const tried: string[] = [];
  for (const folder of (env.pathVariable ?? '').split(pathApi.delimiter)) {
    if (folder === '') continue;
    for (const candidate of names) {
      const file = pathApi.join(folder, candidate);
      tried.push(file);
      if (env.isExecutable(file)) return { found: file, tried };
    }
  }
  return { tried };
}

/**
 * The setting wins when set: a bare name (no slash) is looked up on PATH like a shell would, a
 * path is taken as it is after `~` expansion. Unset: `codeassist` on PATH, else
 * `~/.local/bin/codeassist`, where the installer puts it.
 */
export function resolveServerPath(configured: string, env: PathEnvironment): ResolvedServerPath {
  const setting = configured.trim();
  if (setting !== '') {
    const isBareName = !setting.includes('/') && !setting.includes('\\') && !setting.startsWith('~');
    if (isBareName) {
      const lookup = onPath(setting, env);
      return lookup.found !== undefined
        ? { command: lookup.found, found: true, source: 'setting', tried: lookup.tried }
        : { command: setting, found: false, source: 'setting', tried: lookup.tried };
    }
    const file = expandHome(setting, env.home);
    return { command: file, found: env.isExecutable(file), source: 'setting', tried: [file] };
  }
  const lookup = onPath(SERVER_NAME, env);
  if (lookup.found !== undefined) return { command: lookup.found, found: true, source: 'PATH', tried: lookup.tried };
  const fallback = path.join(env.home, '.local', 'bin', env.platform === 'win32' ? `${SERVER_NAME}.exe` : SERVER_NAME);
  return { command: fallback, found: env.isExecutable(fallback), source: 'default', tried: [...lookup.tried, fallback] };
}

/** An error for people: what was sought, where, and what to do. */
export function notFoundMessage(resolved: ResolvedServerPath): string {
  const where = resolved.source === 'setting'
    ? `codeassist.serverPath is "${resolved.command}", which is not an executable file`
    : `no "${SERVER_NAME}" executable on PATH nor at ${resolved.command}`;
  return `CodeAssist server not found: ${where}. Install CodeAssist or set codeassist.serverPath to the full path of the codeassist executable.`;
}
