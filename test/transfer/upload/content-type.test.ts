// The Content-Type of an upload from its name (upload/content-type.ts): mime's answer, for every extension mime knows
// and for the names whose extension is not what it seems.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import mime from 'mime';
import otherTypes from 'mime/types/other.js';
import standardTypes from 'mime/types/standard.js';
import { contentTypeOf } from '../../../src/transfer/upload/content-type.js';

test("contentTypeOf answers as mime's getType for every extension in mime's tables", () => {
  const extensions = new Set<string>();
  for (const types of [standardTypes, otherTypes] as Array<Record<string, readonly string[]>>)
    for (const list of Object.values(types)) for (const ext of list) extensions.add(ext.replace(/^\*/, ''));
  assert.ok(extensions.size > 1000, `mime's tables: ${extensions.size} extensions`);
  for (const ext of extensions)
    for (const name of [`photo.${ext}`, `dir/a.b.${ext.toUpperCase()}`, ext])
      assert.equal(contentTypeOf(name), mime.getType(name), name);
  assert.equal(
    contentTypeOf('x3d/model.x3db'),
    'model/x3d+fastinfoset',
    'a starred extension belongs to the other type',
  );
});

test('contentTypeOf: names without a known extension', () => {
  for (const name of [
    'README',
    'dir/README',
    'dir/txt',
    'dir.d/file',
    '.bashrc',
    'a/.bashrc',
    'file.',
    'a\\b.PNG',
    'x.unknownext',
    '',
  ])
    assert.equal(contentTypeOf(name), mime.getType(name), JSON.stringify(name));
  assert.equal(contentTypeOf('dir/txt'), null);
  assert.equal(contentTypeOf('a\\b.PNG'), 'image/png');
});
