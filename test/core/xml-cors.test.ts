// CORSConfiguration as client and server read and write it: a round trip keeps every field, in order; shape only
// is checked here (the server validates), a bad MaxAgeSeconds reads as NaN so the server can refuse it.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { XmlError } from '../../src/core/errors.js';
import {
  buildCorsConfiguration,
  type CorsConfig,
  parseCorsConfiguration,
  uploaderCorsRule,
} from '../../src/core/xml-cors.js';

test('round trip: rules in order, every list, MaxAgeSeconds and ResponseVary', () => {
  const config: CorsConfig = {
    rules: [
      uploaderCorsRule(['http://localhost:5173', 'https://*.example.com']),
      { allowedOrigins: ['*'], allowedMethods: ['GET'], allowedHeaders: [], exposeHeaders: [] },
    ],
    responseVary: true,
  };
  const xml = buildCorsConfiguration(config);
  assert.match(xml, /<ExposeHeader>x-oss-hash-crc64ecma<\/ExposeHeader>/);
  assert.deepEqual(parseCorsConfiguration(xml), config);
});

test('one element where many may be, whitespace, a bad MaxAgeSeconds, a wrong root', () => {
  const c = parseCorsConfiguration(
    `<CORSConfiguration><CORSRule><AllowedOrigin> http://a.test </AllowedOrigin><AllowedMethod>PUT</AllowedMethod>
      <MaxAgeSeconds>ten</MaxAgeSeconds></CORSRule></CORSConfiguration>`,
  );
  assert.deepEqual(c.rules[0]!.allowedOrigins, ['http://a.test']);
  assert.deepEqual(c.rules[0]!.allowedHeaders, []);
  assert.ok(Number.isNaN(c.rules[0]!.maxAgeSeconds));
  assert.equal(c.responseVary, false);
  assert.throws(() => parseCorsConfiguration('<LifecycleConfiguration/>'), XmlError);
});
