// End-to-end harness: a real code-server (VS Code in the browser) with the packaged .vsix
// installed, driven by Playwright through Debian's headless Chromium, and a real CodeAssist
// server started by the extension. Each piece is started here and stopped by `close()`.
import { spawn, spawnSync } from 'node:child_process';
import * as fs from 'node:fs';
import * as net from 'node:net';
import * as os from 'node:os';
import * as path from 'node:path';
import { fileURLToPath } from 'node:url';
import { chromium } from 'playwright-core';

const here = path.dirname(fileURLToPath(import.meta.url));
export const extensionRoot = path.resolve(here, '..', '..');
export const artifacts = path.join(extensionRoot, 'test-artifacts');
/** VS Code names a status bar element after the extension's id and the item's id. */
export const STATUS_ITEM_ID = 'codeassist.codeassist.codeassist.status';

/** What the harness needs from the environment; run-tests.sh sets each, the defaults suit ci-setup.sh. */
export function configuration() {
  const server = process.env.CODEASSIST_SERVER;
  if (!server || !path.isAbsolute(server) || !fs.existsSync(server)) {
    throw new Error(`CODEASSIST_SERVER must be the absolute path of the published codeassist executable (is "${server ?? ''}"); run-tests.sh publishes one when it is unset.`);
  }
  // The development tool writes the scripted model; the shipped server carries no model factory.
  const bench = process.env.CODEASSIST_BENCH;
  if (!bench || !path.isAbsolute(bench) || !fs.existsSync(bench)) {
    throw new Error(`CODEASSIST_BENCH must be the absolute path of the published codeassist-bench executable (is "${bench ?? ''}"); run-tests.sh publishes one when it is unset.`);
  }
  const e2eHome = process.env.CODEASSIST_E2E_HOME ?? path.join(os.homedir(), '.cache', 'codeassist-vscode-e2e');
  const codeServer = process.env.CODE_SERVER ?? path.join(e2eHome, 'code-server-4.100.3', 'node_modules', '.bin', 'code-server');
  if (!fs.existsSync(codeServer)) throw new Error(`code-server not found at ${codeServer}; run ci-setup.sh or set CODE_SERVER.`);
  const chromiumPath = process.env.CHROMIUM ?? '/usr/bin/chromium';
  if (!fs.existsSync(chromiumPath)) throw new Error(`Chromium not found at ${chromiumPath}; run ci-setup.sh (apt-get install chromium) or set CHROMIUM.`);
  const vsix = process.env.CODEASSIST_VSIX ?? path.join(extensionRoot, 'codeassist.vsix');
  if (!fs.existsSync(vsix)) throw new Error(`${vsix} not found; run "npm run package" first.`);
  return { server, bench, codeServer, chromiumPath, vsix };
}

function run(command, args, what) {
  const result = spawnSync(command, args, { encoding: 'utf8', timeout: 300_000 });
  if (result.status !== 0) {
    throw new Error(`${what} failed (${command} ${args.join(' ')}), exit ${result.status ?? result.signal}:\n${result.stdout}\n${result.stderr}`);
  }
  return result.stdout;
}

function freePort() {
  return new Promise((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', reject);
    probe.listen(0, '127.0.0.1', () => {
      const { port } = probe.address();
      probe.close(() => resolve(port));
    });
  });
}

async function waitForHttp(url, child, timeoutMs) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child.exitCode !== null) throw new Error(`code-server exited with ${child.exitCode} before serving ${url}`);
    try {
      const response = await fetch(url, { redirect: 'manual' });
      if (response.status < 500) return;
    } catch {
      // Not listening yet.
    }
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
  throw new Error(`code-server did not answer ${url} within ${timeoutMs} ms`);
}

/**
 * Creates the scripted model and a copy of the fixture workspace, installs the .vsix, starts
 * code-server and opens the workspace in headless Chromium.
 * @param {{ name: string, script: string, fixture: string, settings?: object, restricted?: boolean,
 *   prepare?: (workspace: string, root: string) => void }} options
 *   `name` prefixes the logs kept in test-artifacts; `settings` overrides the user settings.
 *   `restricted` turns Workspace Trust on, so the workspace opens in Restricted Mode (no prompt),
 *   and installs the model in a models directory of its own (CODEASSIST_MODELS_DIR), since an
 *   untrusted server loads only installed models. `prepare` edits the workspace copy before it opens.
 */
export async function startEditor({ name, script, fixture, settings = {}, restricted = false, prepare = () => {} }) {
  const config = configuration();
  const root = fs.mkdtempSync(path.join(os.tmpdir(), 'codeassist-vscode-e2e-'));
  const modelsDirectory = path.join(root, 'models');
  const model = restricted ? path.join(modelsDirectory, 'codeassist-scripted') : path.join(root, 'model');
  const workspace = path.join(root, 'workspace');
  const userData = path.join(root, 'user-data');
  const extensions = path.join(root, 'extensions');
  const browserProfile = path.join(root, 'chromium-profile');
  fs.mkdirSync(artifacts, { recursive: true });

  run(config.bench, ['model', 'create', model, '--kind', 'scripted', '--script', script], 'Creating the scripted model');
  fs.cpSync(fixture, workspace, { recursive: true });
  prepare(workspace, root);
  fs.mkdirSync(path.join(userData, 'User'), { recursive: true });
  const userSettings = {
    'codeassist.serverPath': config.server,
    'codeassist.modelPath': model,
    'codeassist.device': 'cpu',
    'codeassist.logLevel': 'debug',
    'editor.inlineSuggest.enabled': true,
    // The suggest widget would take Tab from the ghost text; this test is about ghost text only.
    'editor.quickSuggestions': { other: 'off', comments: 'off', strings: 'off' },
    'editor.suggestOnTriggerCharacters': false,
    'editor.wordBasedSuggestions': 'off',
    'security.workspace.trust.enabled': restricted,
    'security.workspace.trust.startupPrompt': 'never',
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'extensions.ignoreRecommendations': true,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    ...settings,
  };
  fs.writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify(userSettings, null, 2));
  // The executable and model paths are machine-scoped, and code-server is a remote window: VS Code
  // takes them from the machine's settings (what the Settings editor calls Remote), so they go there.
  fs.mkdirSync(path.join(userData, 'Machine'), { recursive: true });
  fs.writeFileSync(path.join(userData, 'Machine', 'settings.json'), JSON.stringify(Object.fromEntries(
    ['codeassist.serverPath', 'codeassist.modelPath', 'codeassist.backend'].filter((key) => key in userSettings).map((key) => [key, userSettings[key]])), null, 2));

  const codeServerArgs = ['--user-data-dir', userData, '--extensions-dir', extensions, '--config', path.join(root, 'code-server.yaml')];
  fs.writeFileSync(path.join(root, 'code-server.yaml'), 'auth: none\n');
  run(config.codeServer, [...codeServerArgs, '--install-extension', config.vsix], 'Installing the .vsix');

  const port = await freePort();
  const log = fs.openSync(path.join(artifacts, `${name}-code-server.log`), 'w');
  const codeServer = spawn(config.codeServer, [
    ...codeServerArgs,
    '--auth', 'none', '--disable-telemetry', '--disable-update-check', ...(restricted ? [] : ['--disable-workspace-trust']),
    '--bind-addr', `127.0.0.1:${port}`, workspace,
  ], {
    stdio: ['ignore', log, log],
    detached: true,
    env: restricted ? { ...process.env, CODEASSIST_MODELS_DIR: modelsDirectory } : process.env,
  });
  const url = `http://127.0.0.1:${port}/`;
  await waitForHttp(url, codeServer, 60_000);

  const browser = await chromium.launchPersistentContext(browserProfile, {
    executablePath: config.chromiumPath,
    headless: true,
    viewport: { width: 1280, height: 800 },
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-dev-shm-usage'],
  });
  const page = browser.pages()[0] ?? (await browser.newPage());
  // Records every text the CodeAssist status bar item shows, so a test can check the states it
  // went through, however briefly each was shown.
  await page.addInitScript((id) => {
    const history = [];
    window.__codeassistStatusHistory = history;
    new MutationObserver(() => {
      const text = document.getElementById(id)?.textContent?.replaceAll('\u00a0', ' ').trim();
      if (text && history.at(-1) !== text) history.push(text);
    }).observe(document, { subtree: true, childList: true, characterData: true });
  }, STATUS_ITEM_ID);
  await page.goto(`${url}?folder=${encodeURIComponent(workspace)}`);
  await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });

  return {
    page,
    workspace,
    root,
    settingsFile: path.join(userData, 'User', 'settings.json'),
    /** The CodeAssist output channel as VS Code logged it: the extension's lines and the server's. */
    extensionLog() {
      const logs = path.join(userData, 'logs');
      if (!fs.existsSync(logs)) return '';
      const file = fs.readdirSync(logs, { recursive: true }).find((entry) => /codeassist\.codeassist[\\/]CodeAssist\.log$/.test(entry));
      return file === undefined ? '' : fs.readFileSync(path.join(logs, file), 'utf8');
    },
    /** Every text the CodeAssist status bar item has shown, in order. */
    statusHistory() {
      return page.evaluate(() => window.__codeassistStatusHistory ?? []);
    },
    /** VS Code's own status bar entry for the cursor: "Ln 7, Col 1", "Ln 12, Col 31 (15 selected)". */
    cursorPosition() {
      return page.locator('[id="status.editor.selection"]');
    },
    /** Moves the cursor with Go to Line and waits until it is there, so no key after it is lost. */
    async goTo(line, column) {
      await page.locator('.monaco-editor textarea').first().focus();
      await page.keyboard.press('Control+G');
      await page.keyboard.type(`${line}:${column}`);
      await page.keyboard.press('Enter');
      await this.cursorPosition().getByText(`Ln ${line}, Col ${column}`, { exact: true }).waitFor({ timeout: 10_000 });
    },
    /** Opens a workspace file with Quick Open and waits until the editor shows `text` from it. */
    async openFile(name, text) {
      await page.keyboard.press('Control+P');
      await page.keyboard.type(name);
      await page.locator('.quick-input-list .monaco-list-row').first().waitFor();
      await page.keyboard.press('Enter');
      await page.locator('.monaco-editor .view-lines').first().getByText(text).waitFor({ timeout: 30_000 });
    },
    /** Runs a command by its title through the command palette, as a user would. */
    async runCommand(title) {
      await page.keyboard.press('F1');
      await page.locator('.quick-input-widget input').waitFor();
      await page.keyboard.type(title);
      await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
      await page.keyboard.press('Enter');
    },
    /** Copies the extension's and server's logs into test-artifacts, then stops everything. */
    async close() {
      copyLogs(userData, name);
      await browser.close().catch(() => {});
      try {
        process.kill(-codeServer.pid, 'SIGTERM');
      } catch {
        // Already gone.
      }
      await new Promise((resolve) => (codeServer.exitCode !== null ? resolve() : codeServer.once('exit', resolve)));
      fs.closeSync(log);
      fs.rmSync(root, { recursive: true, force: true });
    },
  };
}

/**
 * Starts `codeassist-bench stand-in`: a llama.cpp-shaped team server on 127.0.0.1 that streams
 * `reply` to every completion (no inference engine can be installed here). Resolves with its URL
 * and the requests it has answered so far ("POST /infill"); `close()` stops it.
 */
export async function startTeamServerStandIn(reply) {
  const { bench } = configuration();
  const child = spawn(bench, ['stand-in', '--reply', reply], { stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = [];
  let pending = '';
  const url = await new Promise((resolve, reject) => {
    child.stdout.on('data', (chunk) => {
      pending += chunk;
      const parts = pending.split('\n');
      pending = parts.pop();
      lines.push(...parts.filter((line) => line.length > 0));
      if (lines.length > 0) resolve(lines[0]);
    });
    child.once('exit', (code) => reject(new Error(`codeassist-bench stand-in exited with ${code} before printing its URL`)));
  });
  return {
    url,
    requests: () => lines.slice(1),
    close: () => new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once('exit', resolve);
      child.stdin.end();
      child.kill('SIGTERM');
    }),
  };
}

function copyLogs(userData, name) {
  const logs = path.join(userData, 'logs');
  if (!fs.existsSync(logs)) return;
  for (const entry of fs.readdirSync(logs, { recursive: true })) {
    const file = path.join(logs, entry);
    if (/CodeAssist|exthost\.log|remoteagent\.log/.test(entry) && fs.statSync(file).isFile()) {
      fs.copyFileSync(file, path.join(artifacts, `${name}-${entry.replaceAll(path.sep, '_')}`));
    }
  }
}
