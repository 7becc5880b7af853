// The official Go SDK v1 as a peer (bench/go/ossbench/main.go), built at bench start. It builds offline in GOPATH
// mode against the Debian-packaged SDK (`apt-get install golang-go golang-github-aliyun-aliyun-oss-go-sdk-dev`,
// which puts it under /usr/share/gocode): GO111MODULE=off so no go.mod or module proxy is consulted, GOPROXY=off
// and GOFLAGS cleared so nothing in the environment can send the build to the network, and a build cache inside
// the bench's work directory. Without Go or the SDK the bench runs without this peer and says why.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** Where Debian's golang-*-dev packages install Go sources. */
export const GOCODE = '/usr/share/gocode';
const SDK = join(GOCODE, 'src/github.com/aliyun/aliyun-oss-go-sdk/oss');
/** The program's sources in the repository (dist/bench/go-peer.js -> ../../bench/go/ossbench). */
const SOURCE = fileURLToPath(new URL('../../bench/go/ossbench/', import.meta.url));

export type GoPeer = { kind: 'go'; bin: string; version: string } | { kind: 'none'; why: string };

export function buildGoPeer(workDir: string): GoPeer {
  let version: string;
  try {
    version = execFileSync('go', ['version'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim();
  } catch {
    return {
      kind: 'none',
      why: 'Go is not installed (apt-get install golang-go golang-github-aliyun-aliyun-oss-go-sdk-dev)',
    };
  }
  if (!existsSync(SDK))
    return {
      kind: 'none',
      why: `the Go SDK is not in ${GOCODE} (apt-get install golang-github-aliyun-aliyun-oss-go-sdk-dev)`,
    };
  if (!existsSync(join(SOURCE, 'main.go'))) return { kind: 'none', why: `${SOURCE}main.go is missing` };
  const out = join(workDir, 'go-peer');
  mkdirSync(out, { recursive: true });
  const bin = join(out, 'ossbench');
  try {
    execFileSync('go', ['build', '-o', bin, '.'], {
      cwd: SOURCE,
      stdio: ['ignore', 'pipe', 'pipe'],
      env: {
        ...process.env,
        GOPATH: GOCODE,
        GO111MODULE: 'off',
        GOFLAGS: '',
        GOPROXY: 'off',
        GOCACHE: join(out, 'cache'),
        CGO_ENABLED: '0',
      },
    });
  } catch (err) {
    const e = err as { stderr?: Buffer; message: string };
    return {
      kind: 'none',
      why: `go build failed: ${(e.stderr?.toString() || e.message).trim().split('\n').slice(0, 3).join(' ')}`,
    };
  }
  return { kind: 'go', bin, version: version.replace(/^go version /, '') };
}
