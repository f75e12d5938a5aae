// Who may import whom (ARCHITECTURE.md, "Who may import whom"), checked by `npm run boundaries`
// (part of `npm test`). Each rule names the sentence of ARCHITECTURE.md it enforces. Tests beside the
// code are not sources here: they may reach into whatever they test.
/** @type {import('dependency-cruiser').IConfiguration} */
export default {
  forbidden: [
    {
      name: 'no-cycles',
      comment: 'No module reaches itself through its imports, type-only imports included.',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
    {
      name: 'drivers-only-in-store',
      comment: 'Database drivers (better-sqlite3, pg) are imported only in src/store/.',
      severity: 'error',
      from: { path: '^(src|console/src)/', pathNot: '^src/store/' },
      to: { path: '(^|/)node_modules/(better-sqlite3|pg)/' },
    },
    {
      name: 'errors-import-nothing',
      comment: 'errors ← everyone; errors itself imports nothing of ours.',
      severity: 'error',
      from: { path: '^src/errors/' },
      to: { path: '^src/', pathNot: '^src/errors/' },
    },
    {
      name: 'ip-imports-nothing-of-ours',
      comment: 'ip ← everyone; it imports only ipaddr.js.',
      severity: 'error',
      from: { path: '^src/ip/' },
      to: { path: '^(src|console)/', pathNot: '^src/ip/' },
    },
    {
      name: 'config-only-for-server-and-cli',
      comment: 'config ← server (composition root) and cli.',
      severity: 'error',
      from: { path: '^src/', pathNot: '^src/(config|server|cli)/' },
      to: { path: '^src/config/' },
    },
    {
      name: 'store-imports-errors-and-domain-types',
      comment: 'store imports only errors, its own files and domain *types*.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/', pathNot: '^src/(store|errors|domain)/' },
    },
    {
      name: 'store-imports-domain-types-only',
      comment: 'store imports only errors, its own files and domain *types*.',
      severity: 'error',
      from: { path: '^src/store/' },
      to: { path: '^src/domain/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'domain-knows-no-http-or-gateway',
      comment: 'domain imports store, errors, other domain folders; never server, fastify, the gateway.',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: ['^src/(server|cli|client|config)/', '(^|/)node_modules/(fastify|@fastify/[^/]+)/', '^src/gateway/(?!(metrics|channel)\\.ts$)'] },
    },
    {
      name: 'domain-reads-gateway-metrics-types-only',
      comment: 'domain/monitoring reads the snapshot shape from gateway/metrics.ts, domain/clients the session wire shapes from gateway/channel.ts (types only).',
      severity: 'error',
      from: { path: '^src/domain/' },
      to: { path: '^src/gateway/(metrics|channel)\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'server-reaches-gateway-through-port',
      comment:
        'server imports domain, store, errors, config and the pure gateway/openvpn-config.ts; the ' +
        'control plane talks to the gateway only through GatewayPort, the channel and the store. ' +
        'server/serve.ts is the composition root that builds every part.',
      severity: 'error',
      from: { path: '^src/server/', pathNot: '^src/server/serve\\.ts$' },
      to: { path: ['^src/gateway/(core|io|agent|dataplane)/', '^src/(cli|client)/'] },
    },
    {
      name: 'handlers-go-through-the-domain',
      comment:
        'A resource (server/resources/<resource>/) reads and writes through the domain, never the store ' +
        'directly; it may use store types and the pure paging helpers (store/pagination.ts).',
      severity: 'error',
      from: { path: '^src/server/resources/' },
      to: { path: '^src/store/', pathNot: '^src/store/pagination\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'gateway-knows-no-control-plane',
      comment: 'the gateway never imports domain, store, server, cli, client or config: it reports through the channel.',
      severity: 'error',
      from: { path: '^src/gateway/' },
      to: { path: '^src/(domain|store|server|cli|client|config)/' },
    },
    {
      name: 'gateway-pure-cores-do-no-io',
      comment: 'gateway/core and gateway/dataplane import nothing with IO (net, child_process, fs, …).',
      severity: 'error',
      from: { path: '^src/gateway/(core|dataplane)/' },
      to: { dependencyTypes: ['core'], path: '^(node:)?(net|child_process|fs|fs/promises|dgram|http|https|tls|dns|timers|timers/promises|cluster|worker_threads)$' },
    },
    {
      name: 'gateway-pure-cores-stay-pure',
      comment: 'gateway/core and gateway/dataplane import only each other, the metrics shape and src/ip; never io or agent.',
      severity: 'error',
      from: { path: '^src/gateway/(core|dataplane)/' },
      to: { path: '^src/', pathNot: '^src/gateway/(core/|dataplane/|metrics\\.ts$)|^src/(errors|ip)/' },
    },
    {
      name: 'gateway-io-imports-core',
      comment: 'gateway/io imports core; it knows no agent and no data-plane renderer.',
      severity: 'error',
      from: { path: '^src/gateway/io/' },
      to: { path: '^src/gateway/(agent|dataplane)/' },
    },
    {
      name: 'gateway-shared-files-stay-leaves',
      comment: 'channel.ts, metrics.ts and openvpn-config.ts are shared with the control plane; they import no agent, io or remote transport.',
      severity: 'error',
      from: { path: '^src/gateway/[^/]+\\.ts$' },
      to: { path: '^src/gateway/(agent|io|remote)/' },
    },
    {
      name: 'gateway-remote-is-agent-side',
      comment:
        'gateway/remote is the agent side of the network transport: of src/ it imports only channel.ts, ' +
        'metrics.ts and its own files (besides ws and pino types); never domain, store, server, config or client.',
      severity: 'error',
      from: { path: '^src/gateway/remote/' },
      to: { path: '^src/', pathNot: '^src/gateway/(remote/|channel\\.ts$|metrics\\.ts$)' },
    },
    {
      name: 'gateway-remote-wire-is-pure',
      comment: 'gateway/remote/wire.ts is pure like the cores: frames in and out, no sockets, files or timers.',
      severity: 'error',
      from: { path: '^src/gateway/remote/wire\\.ts$' },
      to: {
        path: ['^(node:)?(net|child_process|fs|fs/promises|dgram|http|https|tls|dns|timers|timers/promises|cluster|worker_threads)$', '(^|/)node_modules/ws/', '^src/gateway/remote/(?!wire\\.ts$)'],
      },
    },
    {
      name: 'server-takes-only-the-gateway-wire',
      comment: 'server/gateway-socket.ts may import gateway/remote/wire.ts (and channel.ts types); no part of server imports the dialer.',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/gateway/remote/', pathNot: '^src/gateway/remote/wire\\.ts$' },
    },
    {
      name: 'only-the-gateway-socket-reads-the-wire',
      comment: 'server/gateway-socket.ts is the control plane\'s one end of the remote gateways\' sockets.',
      severity: 'error',
      from: { path: '^src/server/', pathNot: '^src/server/gateway-socket\\.ts$' },
      to: { path: '^src/gateway/remote/' },
    },
    {
      name: 'cli-talks-http',
      comment: 'cli talks to the control plane over HTTP only (src/client); `sluice serve` loads server/serve.ts, the composition root.',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '^src/cli/gateway-host\\.ts$' },
      to: { path: '^src/(server|domain|store|gateway)/', pathNot: '^src/server/serve\\.ts$' },
    },
    {
      name: 'gateway-host-command-runs-the-gateway-only',
      comment: '`sluice gateway` (cli/gateway-host.ts) runs gateway/host and knows nothing of the control plane but its URL.',
      severity: 'error',
      from: { path: '^src/cli/gateway-host\\.ts$' },
      to: { path: ['^src/(server|domain|store|client)/', '^src/gateway/(?!host/)'] },
    },
    {
      name: 'cli-loads-gateway-host-only-lazily',
      comment: 'Only `sluice gateway` pays for the agent: cli loads cli/gateway-host.ts by dynamic import.',
      severity: 'error',
      from: { path: '^src/cli/', pathNot: '^src/cli/gateway-host\\.ts$' },
      to: { path: '^src/cli/gateway-host\\.ts$', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'cli-loads-serve-only-lazily',
      comment: 'Only `sluice serve` pays for the server: cli loads server/serve.ts by dynamic import.',
      severity: 'error',
      from: { path: '^src/cli/' },
      to: { path: '^src/server/serve\\.ts$', dependencyTypesNot: ['dynamic-import'] },
    },
    {
      name: 'client-is-standalone',
      comment:
        'src/client is the typed HTTP client; it has no Node-only imports so the console can share it. ' +
        'It may take its wire types from the API schemas (type-only, below).',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: ['^src/(?!client/|errors/|server/schemas\\.ts$|server/resources/[^/]+/schema\\.ts$)', '^console/'] },
    },
    {
      name: 'client-reads-schemas-as-types-only',
      comment: 'The wire types come from the schemas, the schemas (TypeBox, Fastify) stay out of the client bundle.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { path: '^src/server/(schemas\\.ts|resources/[^/]+/schema\\.ts)$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'client-has-no-node-imports',
      comment: 'src/client has no Node-only imports so the console can share it.',
      severity: 'error',
      from: { path: '^src/client/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'client-bundle-has-no-server-libraries',
      comment: 'No Fastify or TypeBox reaches the console bundle: the client and the console import neither (they read the API contract as types, through the schema files).',
      severity: 'error',
      from: { path: '^(src/client|console/src)/' },
      to: { path: ['(^|/)node_modules/(fastify|@fastify/[^/]+|typebox|@sinclair/typebox)/', '^(fastify|@fastify/[^/]+|typebox|@sinclair/typebox)(/|$)'] },
    },
    {
      name: 'console-talks-http',
      comment: 'the console talks to the control plane over HTTP only; of src/ it may use src/client and src/ip.',
      severity: 'error',
      from: { path: '^console/src/' },
      to: { path: '^src/', pathNot: '^src/(client|ip)/' },
    },
    {
      name: 'nothing-imports-tests',
      comment: 'Production code never imports test files or test support.',
      severity: 'error',
      from: { path: '^(src|console/src)/' },
      to: { path: ['\\.test\\.tsx?$', '^test/', '^bench/'] },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    exclude: { path: '\\.test\\.tsx?$' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.json' },
    enhancedResolveOptions: { extensions: ['.ts', '.tsx', '.js', '.mjs', '.cjs', '.json'] },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
