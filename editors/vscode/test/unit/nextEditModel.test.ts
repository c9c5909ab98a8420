import assert from 'node:assert/strict';
import { test } from 'node:test';
import { NextEditItem, endOfInsertion, fileName, jumpHint, nextEditParams, pickSuggestion, preview, tabAction } from '../../src/nextEditModel';

const CHECKOUT = 'file:///work/Shop/Checkout.cs';
const ORDER = 'file:///work/Shop/Order.cs';
const same = (a: string, b: string) => a === b;

/** The server's answer after `, string note` was added to Order.AddLine: the call in Checkout.cs gets `, ""`. */
const edit = (version?: number): NextEditItem => ({
  textDocument: version === undefined ? { uri: CHECKOUT } : { uri: CHECKOUT, version },
  range: { start: { line: 7, character: 31 }, end: { line: 7, character: 31 } },
  newText: ', ""',
  reason: "CS7036: There is no argument given that corresponds to the required parameter 'note'",
});
const command = { title: 'Accept CodeAssist next edit', command: 'codeassist.didAcceptNextEdit', arguments: ['ne1'] };

test('the request is pinned to the version the editor has', () => {
  assert.deepEqual(nextEditParams(ORDER, { line: 8, character: 52 }, 14), {
    textDocument: { uri: ORDER },
    position: { line: 8, character: 52 },
    version: 14,
  });
});

test('the first edit of a reply is shown with its command; an empty or missing reply shows nothing', () => {
  assert.deepEqual(pickSuggestion({ edits: [edit(), { ...edit(), newText: 'x' }], command }, () => undefined), { edit: edit(), command });
  assert.equal(pickSuggestion({ edits: [] }, () => undefined), undefined);
  assert.equal(pickSuggestion(null, () => undefined), undefined);
  assert.deepEqual(pickSuggestion({ edits: [edit()], command: null }, () => undefined), { edit: edit(), command: undefined });
});

test('an edit computed for another version of an open document is dropped; one for a file read from disk is kept', () => {
  assert.equal(pickSuggestion({ edits: [edit(3)], command }, () => 4), undefined);
  assert.deepEqual(pickSuggestion({ edits: [edit(3)], command }, () => 3)?.edit, edit(3));
  // Not open (any more): the server's version says nothing the editor can check, and applying opens it.
  assert.deepEqual(pickSuggestion({ edits: [edit(3)], command }, () => undefined)?.edit, edit(3));
  assert.deepEqual(pickSuggestion({ edits: [edit()], command }, () => 9)?.edit, edit());
});

test('Tab jumps while the cursor is elsewhere and accepts once it is on the edit\'s line', () => {
  assert.equal(tabAction(edit(), undefined, same), 'jump');
  assert.equal(tabAction(edit(), { uri: ORDER, line: 7 }, same), 'jump');
  assert.equal(tabAction(edit(), { uri: CHECKOUT, line: 6 }, same), 'jump');
  assert.equal(tabAction(edit(), { uri: CHECKOUT, line: 7 }, same), 'accept');
  const multiLine = { ...edit(), range: { start: { line: 3, character: 0 }, end: { line: 5, character: 2 } } };
  assert.equal(tabAction(multiLine, { uri: CHECKOUT, line: 5 }, same), 'accept');
  assert.equal(tabAction(multiLine, { uri: CHECKOUT, line: 6 }, same), 'jump');
});

test('the preview strikes removed text and shows the first line of new text, the hover has the whole diff', () => {
  assert.deepEqual(preview(edit(), ''), { deletes: false, inserted: ', ""', diff: '+ , ""' });
  const rename = { ...edit(), range: { start: { line: 2, character: 4 }, end: { line: 2, character: 9 } }, newText: 'Total' };
  assert.deepEqual(preview(rename, 'Price'), { deletes: true, inserted: 'Total', diff: '- Price\n+ Total' });
  const block = { ...rename, newText: 'if (x)\n    y();' };
  assert.deepEqual(preview(block, 'y();'), { deletes: true, inserted: 'if (x)…', diff: '- y();\n+ if (x)\n+     y();' });
  assert.deepEqual(preview({ ...rename, newText: '' }, 'Price'), { deletes: true, inserted: '', diff: '- Price' });
});

test('after accepting, the cursor is at the end of the new text', () => {
  assert.deepEqual(endOfInsertion(edit()), { line: 7, character: 35 });
  assert.deepEqual(endOfInsertion({ ...edit(), newText: 'a\nbc' }), { line: 8, character: 2 });
});

test('the hint names the line in the same file, the file and line elsewhere (1-based, as the editor shows lines)', () => {
  assert.equal(jumpHint(edit(), ORDER, same), 'Tab: next edit at Checkout.cs:8');
  assert.equal(jumpHint(edit(), CHECKOUT, same), 'Tab: next edit at line 8');
  assert.equal(fileName('file:///work/My%20Shop/Caf%C3%A9.cs'), 'Café.cs');
});

test('package.json gives Tab and Escape to next edits only while one shows and no ghost text or suggest widget wants them', async () => {
  const manifest = JSON.parse(await import('node:fs').then((fs) => fs.readFileSync(`${__dirname}/../../../package.json`, 'utf8')));
  const bindings: { command: string; key: string; when: string }[] = manifest.contributes.keybindings;
  for (const [command, key] of [['codeassist.nextEdit.tab', 'tab'], ['codeassist.nextEdit.dismiss', 'escape']]) {
    const binding = bindings.find((b) => b.command === command);
    assert.equal(binding?.key, key);
    for (const clause of ['codeassist.nextEditVisible', 'editorTextFocus', '!inlineSuggestionVisible', '!suggestWidgetVisible', '!inSnippetMode']) {
      assert.ok(binding?.when.split(' && ').includes(clause), `${command}'s when lacks ${clause}`);
    }
  }
});
