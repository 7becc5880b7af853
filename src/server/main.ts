// Standalone entry of the embedded server, without the CLI: `node dist/src/server/main.js --root DIR
// [--host H] [--port P]`, keys from OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET (generated and printed when
// unset). Output and signals as documented in serve.ts. Kill tests run the server through this file.
import { parseArgs } from 'node:util';
import { serve } from './serve.js';

const { values } = parseArgs({
  options: { root: { type: 'string' }, host: { type: 'string' }, port: { type: 'string' } },
  strict: true,
});
if (!values.root) {
  process.stderr.write('usage: main.js --root DIR [--host 127.0.0.1] [--port 9000]\n');
  process.exit(2);
}
await serve(
  {
    root: values.root,
    ...(values.host ? { host: values.host } : {}),
    port: values.port === undefined ? 9000 : Number(values.port),
  },
  { stdout: process.stdout, stderr: process.stderr },
);
