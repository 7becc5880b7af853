// Credentials come through a provider so that refreshing ones (STS) fit: the pipeline asks for them on every attempt.
import type { Credentials } from '../core/canonical.js';
import { ArgumentError } from '../core/errors.js';

export interface CredentialsProvider {
  getCredentials(): Promise<Credentials>;
}

export function isCredentialsProvider(v: unknown): v is CredentialsProvider {
  return typeof (v as CredentialsProvider | undefined)?.getCredentials === 'function';
}

/** Fixed credentials. */
export class StaticCredentialsProvider implements CredentialsProvider {
  constructor(private readonly creds: Credentials) {}
  async getCredentials(): Promise<Credentials> {
    return this.creds;
  }
}

/** OSS_ACCESS_KEY_ID / OSS_ACCESS_KEY_SECRET / OSS_SESSION_TOKEN, read at each call so a rotated env is seen. */
export class EnvCredentialsProvider implements CredentialsProvider {
  constructor(private readonly env: NodeJS.ProcessEnv = process.env) {}
  async getCredentials(): Promise<Credentials> {
    const accessKeyId = this.env.OSS_ACCESS_KEY_ID;
    const accessKeySecret = this.env.OSS_ACCESS_KEY_SECRET;
    if (!accessKeyId || !accessKeySecret) {
      throw new ArgumentError(
        'credentials',
        'no credentials: pass credentials or set OSS_ACCESS_KEY_ID and OSS_ACCESS_KEY_SECRET',
      );
    }
    const securityToken = this.env.OSS_SESSION_TOKEN || undefined;
    return securityToken ? { accessKeyId, accessKeySecret, securityToken } : { accessKeyId, accessKeySecret };
  }
}

export function toProvider(creds: Credentials | CredentialsProvider | undefined): CredentialsProvider {
  if (creds === undefined) return new EnvCredentialsProvider();
  if (isCredentialsProvider(creds)) return creds;
  if (!creds.accessKeyId || !creds.accessKeySecret) {
    throw new ArgumentError('credentials', 'credentials need accessKeyId and accessKeySecret');
  }
  return new StaticCredentialsProvider(creds);
}
