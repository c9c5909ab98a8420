import assert from 'node:assert/strict';
import { test } from 'node:test';
import {
  ClientSettings,
  DEFAULTS,
  changeNeedsNotification,
  changeNeedsRestart,
  documentSelector,
  initializationOptions,
  readSettings,
  serveArguments,
  toServerSettings,
  toggleLevel,
} from '../../src/settings';

const read = (values: Partial<Record<keyof ClientSettings, unknown>>) => readSettings((key) => values[key]);

test('unset settings read as the defaults', () => {
  assert.deepEqual(read({}), DEFAULTS);
});

test('defaults match package.json, which documents every setting', async () => {
  const manifest = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(`${__dirname}/../../../package.json`, 'utf8')));
  const properties = manifest.contributes.configuration.properties as Record<string, { type: string; default: unknown; description?: string; markdownDescription?: string }>;
  assert.deepEqual(Object.keys(properties).sort(), Object.keys(DEFAULTS).map((key) => `codeassist.${key}`).sort());
  for (const [key, value] of Object.entries(DEFAULTS)) {
    const property = properties[`codeassist.${key}`];
    assert.deepEqual(property.default, value, `default of codeassist.${key}`);
    assert.ok(property.type, `type of codeassist.${key}`);
    assert.ok(property.description ?? property.markdownDescription, `description of codeassist.${key}`);
  }
});

test('values of the wrong type or out of range fall back or are clamped', () => {
  const settings = read({ enable: 'yes', device: 'gpu', maxTokens: 5000.4, debounceMs: -3, languages: ['csharp', '', 7, ' python ', 'csharp'], logLevel: 'loud', modelPath: '  /m  ' });
  assert.equal(settings.enable, true);
  assert.equal(settings.device, 'auto');
  assert.equal(settings.maxTokens, 1024);
  assert.equal(settings.debounceMs, 0);
  assert.deepEqual(settings.languages, ['csharp', 'python']);
  assert.equal(settings.logLevel, 'info');
  assert.equal(settings.modelPath, '/m');
  assert.equal(read({ maxTokens: Number.NaN }).maxTokens, 64);
});

test('server settings carry exactly the protocol keys; an empty model path is left to the server', () => {
  assert.deepEqual(toServerSettings(DEFAULTS), { enable: true, device: 'auto', maxTokens: 64, multiline: true });
  assert.deepEqual(toServerSettings(read({ modelPath: '/models/tiny', device: 'cuda', maxTokens: 16, multiline: false, enable: false, serverPath: '/x' })), {
    enable: false,
    modelPath: '/models/tiny',
    device: 'cuda',
    maxTokens: 16,
    multiline: false,
  });
});

test('serve arguments follow the documented command line', () => {
  assert.deepEqual(serveArguments(DEFAULTS), ['serve', '--device', 'auto', '--log-level', 'info']);
  assert.deepEqual(serveArguments(read({ modelPath: '~/m', device: 'cpu', logLevel: 'debug' }), (p) => p.replace('~', '/home/u')), [
    'serve', '--model', '/home/u/m', '--device', 'cpu', '--log-level', 'debug',
  ]);
});

test('the document selector covers saved and untitled files of each language', () => {
  assert.deepEqual(documentSelector(['csharp']), [
    { scheme: 'file', language: 'csharp' },
    { scheme: 'untitled', language: 'csharp' },
  ]);
  assert.deepEqual(documentSelector([]), []);
});

test('command-line and selector changes restart; the rest is one notification', () => {
  const cases: [Partial<ClientSettings>, boolean, boolean][] = [
    // change, restart, notify
    [{ serverPath: '/opt/codeassist' }, true, false],
    [{ modelPath: '/m' }, true, true],
    [{ device: 'cpu' }, true, true],
    [{ languages: ['csharp'] }, true, false],
    [{ logLevel: 'trace' }, true, false],
    [{ enable: false }, false, true],
    [{ maxTokens: 32 }, false, true],
    [{ multiline: false }, false, true],
    [{ debounceMs: 10 }, false, false],
    [{}, false, false],
  ];
  for (const [change, restart, notify] of cases) {
    const after = { ...DEFAULTS, ...change };
    assert.equal(changeNeedsRestart(DEFAULTS, after), restart, `restart for ${JSON.stringify(change)}`);
    assert.equal(changeNeedsNotification(DEFAULTS, after), notify, `notify for ${JSON.stringify(change)}`);
  }
});

test('toggle writes the most specific level that sets enable', () => {
  assert.equal(toggleLevel(undefined), 'global');
  assert.equal(toggleLevel({}), 'global');
  assert.equal(toggleLevel({ workspaceValue: false }), 'workspace');
  assert.equal(toggleLevel({ workspaceValue: false, workspaceFolderValue: true }), 'workspaceFolder');
});

test('Restricted Mode adds --untrusted to the command line and untrusted: true to the initialization options', () => {
  assert.deepEqual(serveArguments(DEFAULTS, (p) => p, false), ['serve', '--device', 'auto', '--log-level', 'info', '--untrusted']);
  assert.deepEqual(initializationOptions(DEFAULTS, false), { ...toServerSettings(DEFAULTS), untrusted: true });
  assert.deepEqual(initializationOptions(DEFAULTS, true), toServerSettings(DEFAULTS));
});

test('package.json declares limited support in untrusted workspaces, with the paths restricted and machine-overridable', async () => {
  const manifest = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(`${__dirname}/../../../package.json`, 'utf8')));
  const untrusted = manifest.capabilities.untrustedWorkspaces;
  assert.equal(untrusted.supported, 'limited');
  assert.ok(untrusted.description);
  // Every setting that names a program to run, a file or folder to read, or a server to send code to must be
  // restricted: a repository's .vscode/settings.json must not choose them before the user trusts it. A new such
  // setting fails here until it is listed. `codeassist.backend` (the team server: URL, key file, certificates, #17)
  // is listed before it lands, so that it is restricted from its first release.
  const properties = Object.keys(manifest.contributes.configuration.properties);
  const dangerous = properties.filter((key) => /path|file|dir|backend|url|server|cert|key/i.test(key.replace(/^codeassist\./, '')));
  assert.ok(dangerous.includes('codeassist.serverPath') && dangerous.includes('codeassist.modelPath'));
  for (const key of dangerous) assert.ok(untrusted.restrictedConfigurations.includes(key), `${key} must be in capabilities.untrustedWorkspaces.restrictedConfigurations`);
  assert.ok(untrusted.restrictedConfigurations.includes('codeassist.backend'));
  for (const key of ['codeassist.serverPath', 'codeassist.modelPath']) {
    assert.equal(manifest.contributes.configuration.properties[key].scope, 'machine-overridable', key);
  }
});

test('a team server backend goes to the server as is; anything else is the local model', () => {
  const server = { kind: 'llamacpp', url: 'https://gpu01:8080', apiKeyEnv: 'TEAM_KEY' };
  assert.deepEqual(toServerSettings(read({ backend: server })).backend, server);
  assert.equal(toServerSettings(read({ backend: 'local' })).backend, undefined);
  assert.equal(read({ backend: { url: 'https://gpu01:8080' } }).backend, 'local');
  assert.equal(read({ backend: ['x'] }).backend, 'local');
});
