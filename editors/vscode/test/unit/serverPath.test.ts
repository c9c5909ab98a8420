import assert from 'node:assert/strict';
import { test } from 'node:test';
import { PathEnvironment, expandHome, notFoundMessage, resolveServerPath } from '../../src/serverPath';

function environment(executables: string[], pathVariable = '/usr/local/bin:/usr/bin', platform: NodeJS.Platform = 'linux'): PathEnvironment {
  return { pathVariable, home: '/home/dev', platform, isExecutable: (file) => executables.includes(file) };
}

test('unset: codeassist found on PATH, first folder wins', () => {
  const resolved = resolveServerPath('', environment(['/usr/bin/codeassist', '/usr/local/bin/codeassist']));
  assert.deepEqual(resolved, { command: '/usr/local/bin/codeassist', found: true, source: 'PATH', tried: ['/usr/local/bin/codeassist'] });
});

test('unset and not on PATH: ~/.local/bin/codeassist', () => {
  const resolved = resolveServerPath('  ', environment(['/home/dev/.local/bin/codeassist']));
  assert.equal(resolved.command, '/home/dev/.local/bin/codeassist');
  assert.equal(resolved.found, true);
  assert.equal(resolved.source, 'default');
  assert.deepEqual(resolved.tried, ['/usr/local/bin/codeassist', '/usr/bin/codeassist', '/home/dev/.local/bin/codeassist']);
});

test('nowhere: not found, every place tried is listed, the message says what to do', () => {
  const resolved = resolveServerPath('', environment([], '/a::/b'));
  assert.equal(resolved.found, false);
  assert.deepEqual(resolved.tried, ['/a/codeassist', '/b/codeassist', '/home/dev/.local/bin/codeassist']);
  assert.match(notFoundMessage(resolved), /no "codeassist" executable on PATH nor at \/home\/dev\/.local\/bin\/codeassist.*codeassist\.serverPath/);
});

test('PATH unset: straight to the default', () => {
  const resolved = resolveServerPath('', { ...environment([]), pathVariable: undefined });
  assert.deepEqual(resolved.tried, ['/home/dev/.local/bin/codeassist']);
});

test('setting: a path is used as it is, with ~ expanded, even when PATH has one', () => {
  const env = environment(['/usr/bin/codeassist', '/home/dev/tools/codeassist']);
  assert.deepEqual(resolveServerPath('~/tools/codeassist', env), {
    command: '/home/dev/tools/codeassist', found: true, source: 'setting', tried: ['/home/dev/tools/codeassist'],
  });
  const missing = resolveServerPath('/opt/none/codeassist', env);
  assert.equal(missing.found, false);
  assert.match(notFoundMessage(missing), /codeassist\.serverPath is "\/opt\/none\/codeassist", which is not an executable file/);
});

test('setting: a bare name is looked up on PATH', () => {
  const resolved = resolveServerPath('codeassist-dev', environment(['/usr/bin/codeassist-dev']));
  assert.equal(resolved.command, '/usr/bin/codeassist-dev');
  assert.equal(resolved.source, 'setting');
});

test('Windows: PATH entries are ;-separated and codeassist.exe is found', () => {
  const resolved = resolveServerPath('', environment(['C:\\tools\\codeassist.exe'], 'C:\\Windows;C:\\tools', 'win32'));
  assert.equal(resolved.command, 'C:\\tools\\codeassist.exe');
});

test('home expansion touches only a leading ~', () => {
  assert.equal(expandHome('~', '/h'), '/h');
  assert.equal(expandHome('~/m', '/h'), '/h/m');
  assert.equal(expandHome('/a/~/m', '/h'), '/a/~/m');
  assert.equal(expandHome('~other/m', '/h'), '~other/m');
});
