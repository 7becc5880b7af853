// Import boundaries (npm run check:imports; part of npm test). Each rule says why it exists; DESIGN.md points here.
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      comment: 'An import cycle ties modules that should be layered; move the shared piece into its own module.',
      severity: 'error',
      from: {},
      to: { circular: true, viaOnly: { dependencyTypesNot: ['type-only'] } },
    },
    {
      name: 'client-not-server-or-cli',
      comment: 'The client is a library: it must not pull in the embedded server or the CLI.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/(server|cli|transfer)/' },
    },
    {
      name: 'transfer-not-cli-or-server',
      comment: 'The transfer engine is a library: the CLI uses it, never the other way round.',
      severity: 'error',
      from: { path: '^src/transfer/' },
      to: { path: '^src/(cli|server)/' },
    },
    {
      name: 'transfer-uses-public-client',
      comment: 'The transfer engine uses the client through its public surface (src/client/index.ts) only.',
      severity: 'error',
      from: { path: '^src/transfer/' },
      to: { path: '^src/client/', pathNot: '^src/client/index\\.ts$' },
    },
    {
      name: 'strategies-stand-on-the-engine',
      comment:
        'A transfer strategy (upload/, download/, copy/, stream/) builds on the engine, the checkpoint store, the hashing ' +
        'threads and the I/O adapters (transfer/io, src/io) and core, besides its own folder: never on another strategy, ' +
        'the tree or the public index.',
      severity: 'error',
      from: { path: '^src/transfer/(upload|download|copy|stream)/' },
      to: {
        path: '^src/',
        pathNot: '^src/transfer/($1|engine|checkpoint|hash|io)/|^src/transfer/types\\.ts$|^src/(core|io)/|^src/client/index\\.ts$',
      },
    },
    {
      name: 'strategies-reach-the-client-as-types',
      comment:
        'A strategy talks to the server through the TransferClient port (engine/transfer-client.ts), so it runs on a ' +
        'fake or a fetch client: from the client it imports types only (its body helpers come through transfer/io).',
      severity: 'error',
      from: { path: '^src/transfer/(upload|download|copy|stream)/' },
      to: { path: '^src/client/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'engine-is-portable',
      comment:
        'The engine, its ports, the memory store and the upload strategy (part loop, verification, completion) load in a ' +
        "browser bundle: no Node built-in, and none of transfer's Node adapters (files, journal, lock, hashing threads).",
      severity: 'error',
      from: {
        path: '^src/transfer/(engine/|checkpoint/memory\\.ts$|upload/(upload|parts|verify|resend|complete|session|stale|types|settings|resume-feed|single)\\.ts$)',
      },
      to: {
        dependencyTypesNot: ['type-only'],
        path: '^(node:)?(fs|fs/promises|path|os|crypto|stream|worker_threads|net|http|https|child_process)$|^src/transfer/(io|hash)/|^src/transfer/checkpoint/(files|store|lock|journal|file-identity)\\.ts$',
      },
    },
    {
      name: 'core-is-pure',
      comment: 'src/core is shared by client and server and does no I/O: no file system, sockets or HTTP.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(fs|fs/promises|net|http|https|http2|tls|dgram|dns|child_process|cluster|worker_threads|readline)$' },
    },
    {
      name: 'core-imports-only-core',
      comment: 'src/core sits below everything else in src/.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { path: '^src/(?!core/)' },
    },
    {
      name: 'server-not-client-transfer-cli',
      comment: 'The embedded server shares src/core with the client, nothing else.',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/(client|transfer|cli)/' },
    },
    {
      name: 'browser-uses-portable-modules',
      comment:
        'src/browser is bundled for pages (scripts/build-browser.mjs): core, the transfer engine and the client modules ' +
        'that do no Node I/O, never the Node client itself, the server or the CLI.',
      severity: 'error',
      from: { path: '^src/browser/' },
      to: { path: '^src/(server|cli)/|^src/client/(?!(endpoint|retry|headers|docs|types|multipart-queries)\\.ts$)' },
    },
    {
      name: 'nothing-imports-browser',
      comment: 'The browser build is a leaf: Node code never depends on it.',
      severity: 'error',
      from: { path: '^src/(?!browser/)' },
      to: { path: '^src/browser/' },
    },
    {
      name: 'torture-not-test-helpers',
      comment: 'The torture run stands on its own; test helpers may change with the tests.',
      severity: 'error',
      from: { path: '^torture/' },
      to: { path: '^test/' },
    },
    {
      name: 'src-not-tests',
      comment: 'Shipped code never imports tests, their harness, benchmarks or the torture run.',
      severity: 'error',
      from: { path: '^src/' },
      to: { path: '^(test|bench|torture|harness)/' },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'An import that resolves to nothing is a typo or a file moved without its importers.',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '^(dist|node_modules)/' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { extensions: ['.ts', '.js', '.json'] },
  },
};
