// A client for tests against hand-written raw servers: fixed dummy keys (such servers check nothing), one attempt
// unless the test asks for retries, closed when the test ends.
import { OssClient, type OssClientOptions } from '../../src/client/index.js';

export type TestContext = { after: (fn: () => Promise<void> | void) => void };

export function rawServerClient(t: TestContext, endpoint: string, extra: Partial<OssClientOptions> = {}): OssClient {
  const c = new OssClient({
    endpoint,
    credentials: { accessKeyId: 'ak', accessKeySecret: 'sk' },
    retry: { maxAttempts: 1, sleep: async () => undefined },
    ...extra,
  });
  t.after(() => c.close());
  return c;
}
