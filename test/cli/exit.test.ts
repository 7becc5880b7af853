// Error rendering and exit codes: one or two plain lines, the service's code and request id, a hint, no stack.
import assert from 'node:assert/strict';
import { CommanderError } from 'commander';
import { test } from 'node:test';
import { exitCodeFor, renderError } from '../../src/cli/exit.js';
import { ParseError } from '../../src/cli/size.js';
import { UsageError } from '../../src/cli/usage-error.js';
import {
  AbortedError,
  ArgumentError,
  CheckpointError,
  IntegrityError,
  NetworkError,
  ServiceError,
} from '../../src/core/errors.js';

const noSuchBucket = new ServiceError({
  status: 404,
  code: 'NoSuchBucket',
  message: 'The specified bucket does not exist.',
  requestId: '6556E3AED11E553933CCDEDF',
  operation: 'PutObject',
});

test('exit codes: 2 for bad input, 130 for an interrupt, 1 for everything that failed', () => {
  assert.equal(exitCodeFor(new UsageError('x')), 2);
  assert.equal(exitCodeFor(new ParseError('x')), 2);
  assert.equal(exitCodeFor(new CommanderError(1, 'commander.unknownOption', 'x')), 2);
  assert.equal(exitCodeFor(new ArgumentError('partSize', 'x')), 2);
  assert.equal(exitCodeFor(new AbortedError()), 130);
  assert.equal(exitCodeFor(noSuchBucket), 1);
  assert.equal(
    exitCodeFor(new ServiceError({ status: 400, code: 'InvalidArgument', message: 'bad part' })),
    1,
    'the service said so: it was sent',
  );
  assert.equal(exitCodeFor(new NetworkError('reset')), 1);
  assert.equal(exitCodeFor(new IntegrityError('crc64', '1', '2')), 1);
  assert.equal(exitCodeFor(new Error('bug')), 1);
});

test('a service error: what failed, code, status, request id, then what to do', () => {
  const text = renderError(noSuchBucket, { action: 'upload of a.bin to oss://nope/a.bin', bucket: 'nope' });
  assert.equal(
    text,
    'ossup: upload of a.bin to oss://nope/a.bin failed: The specified bucket does not exist. (NoSuchBucket, HTTP 404, request id 6556E3AED11E553933CCDEDF)\n' +
      'hint: create it with: ossup mb oss://nope\n',
  );
});

test('client-side errors keep their cause; stacks only with debug', () => {
  const err = new NetworkError('request failed', { cause: new Error('socket hang up') });
  const text = renderError(err, { action: 'upload of a to oss://b/a' });
  assert.match(
    text,
    /^ossup: upload of a to oss:\/\/b\/a failed: request failed: socket hang up \(NetworkError\)\nhint: .*resumes/,
  );
  assert.doesNotMatch(text, /\n\s+at /);
  assert.match(renderError(err, { debug: true }), /\n\s+at /);
  assert.equal(renderError(new UsageError('bad', 'do this'), {}), 'ossup: bad\nhint: do this\n');
});

test('an errno code is said once when the message ends in it and the cause starts with it', () => {
  const cause = Object.assign(new Error('EPERM: operation not permitted, write'), { code: 'EPERM' });
  const err = new CheckpointError('/c/state.ucp', 'cannot append to checkpoint /c/state.ucp: EPERM', { cause });
  const first = renderError(err, {}).split('\n')[0];
  assert.equal(
    first,
    'ossup: cannot append to checkpoint /c/state.ucp: EPERM: operation not permitted, write (CheckpointUnusable)',
  );
});

test('every error ends with a hint line, whatever its kind', () => {
  const errors: unknown[] = [
    new UsageError('bad'),
    new ParseError('"x" is not a size'),
    new ArgumentError('file', 'no'),
    new ServiceError({ status: 400, code: 'SomethingNew', message: 'm' }),
    new IntegrityError('crc64', '1', '2'),
    Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' }),
    Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }),
    new Error('bug'),
  ];
  for (const err of errors) {
    const lines = renderError(err, {}).trimEnd().split('\n');
    assert.equal(lines.length, 2, String(err));
    assert.match(lines[1]!, /^hint: \S/, String(err));
  }
  const dns = renderError(Object.assign(new Error('getaddrinfo ENOTFOUND nowhere'), { code: 'ENOTFOUND' }), {});
  assert.doesNotMatch(dns, /local file/, 'a DNS failure is not a local file operation');
});

test('TLS: a handshake failure suggests http://, a refused certificate names NODE_EXTRA_CA_CERTS', () => {
  const proto = Object.assign(
    new Error(
      'write EPROTO 80DC07EF517F0000:error:0A00010B:SSL routines:ssl3_get_record:wrong version number:../deps/openssl/openssl/ssl/record/ssl3_record.c:350:\n',
    ),
    { code: 'EPROTO' },
  );
  assert.equal(
    renderError(proto, { action: 'listing buckets' }),
    'ossup: listing buckets failed: the TLS connection to the endpoint failed (wrong version number, EPROTO)\n' +
      'hint: the endpoint may speak plain HTTP (an endpoint without a scheme gets https://); write it as http://host:port\n',
  );
  const cert = Object.assign(new Error('self-signed certificate'), { code: 'DEPTH_ZERO_SELF_SIGNED_CERT' });
  assert.match(
    renderError(cert, {}),
    /TLS connection to the endpoint failed \(self-signed certificate, DEPTH_ZERO_SELF_SIGNED_CERT\)\nhint: .*NODE_EXTRA_CA_CERTS/,
  );
});

test('NoSuchBucket while removing the bucket: no "create it" hint', () => {
  const text = renderError(noSuchBucket, { action: 'removing bucket oss://nope', bucket: 'nope' });
  assert.match(text, /\nhint: check the bucket name \(ossup ls lists them\)\n$/);
});
