import { Argument, Command, Option } from 'commander';
import type { CreateInput } from './commands/vpn-server-create.ts';
import type { UpdateInput } from './commands/vpn-server-update.ts';
import { createContext, type Context } from './context.ts';
import { UsageError } from './errors.ts';
import type { Io } from './io.ts';
import { authMethods, boolean, cidr, integer, ipv4List, label, list, oneOf, portRange } from './parse.ts';

/** A command module: one exported `run`, loaded only when its verb is used. */
type Run<I> = (ctx: Context, input: I) => Promise<void>;
type Loader<I> = () => Promise<{ run: Run<I> }>;
type Opts = Record<string, unknown>;

/**
 * Declares every verb. Nothing here talks to the API: each action loads its command module and
 * hands it the context plus one input object built from the positionals and options.
 */
export function buildProgram(io: Io): Command {
  const program = new Command('sluice')
    .description('Manage Sluice client-to-site VPN servers (verbs follow `ibmcloud is vpn-server*`).')
    .usage('<command> [arguments] [options]')
    .showHelpAfterError()
    .exitOverride()
    .configureOutput({ writeOut: (s) => void io.stdout.write(s), writeErr: (s) => void io.stderr.write(s) });
  program.addHelpText('after', '\nServe the API with `sluice serve --help`; run a gateway host with `sluice gateway --help`.');

  const verb = (name: string, description: string): Command => {
    const command = program.command(name).description(description).option('--debug', 'show trace ids and stack traces on errors');
    command.exitOverride().showHelpAfterError();
    return command;
  };
  const withOutput = (command: Command): Command => command.addOption(new Option('--output <format>', 'JSON prints the API response').argParser(oneOf('json')));
  const destructive = (command: Command): Command =>
    command.option('-f, --force', 'do not ask for confirmation').option('-q, --quiet', 'print only the outcome');

  /** Wires a verb to its module; a UsageError from the command is reported with this verb's usage. */
  const act = <I>(command: Command, load: Loader<I>, input: (args: string[], opts: Opts) => I): Command =>
    command.action(async (...params: unknown[]) => {
      const self = params.at(-1) as Command;
      const args = self.processedArgs.flat() as string[];
      const opts = self.opts<Opts>();
      const { run } = await load();
      try {
        await run(createContext(io, opts.debug === true), input(args, opts));
      } catch (error) {
        if (error instanceof UsageError) self.error(`error: ${error.message}`, { exitCode: 2, code: 'sluice.usage' });
        throw error;
      }
    });
  const first = (args: string[]): string => args[0] ?? '';

  // --- session --------------------------------------------------------------------------------
  act(
    verb('login', 'store the endpoint and API key (checked against the server) in the config file')
      .option('--endpoint <url>', 'Sluice API endpoint, e.g. https://vpn.example.com (or SLUICE_ENDPOINT)')
      .option('--apikey <key>', 'API key (or SLUICE_API_KEY, or piped on stdin)'),
    () => import('./commands/login.ts'),
    (_, o) => ({ endpoint: o.endpoint as string | undefined, apikey: o.apikey as string | undefined }),
  );
  act(verb('logout', 'forget the stored endpoint, API key and tokens'), () => import('./commands/logout.ts'), () => ({}));
  act(withOutput(verb('target', 'show the endpoint, user and account in use')), () => import('./commands/target.ts'), (_, o) => ({ output: o.output as string | undefined }));
  act(withOutput(verb('passcode', 'print a one-time passcode for username authentication')), () => import('./commands/passcode.ts'), (_, o) => ({ output: o.output as string | undefined }));

  act(withOutput(verb('vpn-lockouts', 'list users and addresses locked out of username authentication (Sluice)')), () => import('./commands/vpn-lockouts.ts'), (_, o) => ({ output: o.output as string | undefined }));
  act(verb('vpn-lockout-delete', 'lift lockouts (Sluice)').argument('<id...>', 'lockout ids'), () => import('./commands/vpn-lockout-delete.ts'), (a) => ({ ids: a }));

  // --- servers --------------------------------------------------------------------------------
  act(withOutput(verb('vpn-servers', 'list VPN servers')), () => import('./commands/vpn-servers.ts'), (_, o) => ({ output: o.output as string | undefined }));
  act(withOutput(verb('vpn-server', 'show a VPN server').argument('<server>', 'server id or name')), () => import('./commands/vpn-server.ts'), (a, o) => ({ server: first(a), output: o.output as string | undefined }));

  const serverSettings = (command: Command): Command =>
    command
      .option('--name <name>', 'server name')
      .option('--cert <crn>', 'server certificate CRN (default: issued by the built-in CA)')
      .addOption(new Option('--client-auth-methods <methods>', 'certificate, username or certificate,username').argParser(authMethods))
      .option('--client-ca <crn>', 'client CA certificate CRN, for certificate auth (default: a new CA of the server\'s own)')
      .option('--client-crl <crl>', 'CRL in PEM, or @FILE to read it from a file')
      .addOption(new Option('--client-dns <ips>', 'up to 2 DNS server IPs, comma-separated').argParser(ipv4List))
      .addOption(new Option('--client-idle-timeout <seconds>', 'idle seconds before a client is dropped (0 = never)').argParser(integer(0, 28800)))
      .addOption(new Option('--client-auto-delete-timeout-seconds <seconds>', 'Sluice: seconds a disconnected client stays listed').argParser(integer(0, 86400)))
      .addOption(new Option('--enable-split-tunnel [bool]', 'route only the server routes through the VPN').argParser(boolean))
      .addOption(new Option('--port <port>', 'listening port (default 443)').argParser(integer(1, 65535)))
      .addOption(new Option('--protocol <protocol>', 'udp (default) or tcp').argParser(oneOf('udp', 'tcp')))
      .addOption(new Option('--subnet <ids>', 'gateway subnet ids (1 or 2), comma-separated or repeated').argParser(list))
      .option('-q, --quiet', 'print only the result');

  act(
    withOutput(serverSettings(verb('vpn-server-create', 'create a VPN server')))
      .addOption(new Option('--client-ip-pool <cidr>', 'client addresses, /9 to /22').argParser(cidr).makeOptionMandatory())
      .addOption(new Option('--sg <ids>', 'security group ids, comma-separated or repeated').argParser(list)),
    () => import('./commands/vpn-server-create.ts'),
    (_, o) => o as unknown as CreateInput,
  );
  act(
    withOutput(serverSettings(verb('vpn-server-update', 'update a VPN server (changes other than the name disconnect every client)')))
      .argument('<server>', 'server id or name')
      .addOption(new Option('--client-ip-pool <cidr>', 'client addresses, /9 to /22').argParser(cidr))
      .option('--reset-client-dns', 'remove the client DNS servers'),
    () => import('./commands/vpn-server-update.ts'),
    (a, o) => ({ ...(o as Omit<UpdateInput, 'server'>), server: first(a) }),
  );
  act(
    destructive(verb('vpn-server-delete', 'delete VPN servers (disconnects their clients)').argument('<server...>', 'server ids or names')),
    () => import('./commands/vpn-server-delete.ts'),
    (a, o) => ({ servers: a, force: o.force === true, quiet: o.quiet === true }),
  );
  act(
    verb('vpn-server-client-configuration', 'print or save the OpenVPN client profile of a server').argument('<server>', 'server id or name').option('--file <file>', 'write the profile to FILE'),
    () => import('./commands/vpn-server-client-configuration.ts'),
    (a, o) => ({ server: first(a), file: o.file as string | undefined }),
  );
  act(
    verb('vpn-server-client-profile', 'issue a client certificate and print or save a ready-to-connect profile')
      .argument('<server>', 'server id or name')
      .requiredOption('--common-name <cn>', 'common name of the client certificate')
      .option('--file <file>', 'write the profile to FILE (mode 0600: it holds a private key)'),
    () => import('./commands/vpn-server-client-profile.ts'),
    (a, o) => ({ server: first(a), commonName: o.commonName as string, file: o.file as string | undefined }),
  );

  // --- clients --------------------------------------------------------------------------------
  act(
    withOutput(verb('vpn-server-clients', 'list the clients of a VPN server').argument('<server>', 'server id or name'))
      .addOption(new Option('--status <status>', 'only connected or disconnected clients').argParser(oneOf('connected', 'disconnected')))
      .option('--user <name>', 'only clients of this user')
      .option('--common-name <cn>', 'only clients with this certificate common name')
      .option('--watch', 'keep the table up to date as clients come and go (Ctrl-C to stop)'),
    () => import('./commands/vpn-server-clients.ts'),
    (a, o) => ({
      server: first(a),
      output: o.output as string | undefined,
      status: o.status as string | undefined,
      user: o.user as string | undefined,
      commonName: o.commonName as string | undefined,
      watch: o.watch === true,
    }),
  );
  act(
    withOutput(verb('vpn-server-client', 'show a client of a VPN server').argument('<server>', 'server id or name').argument('<client>', 'client id')),
    () => import('./commands/vpn-server-client.ts'),
    (a, o) => ({ server: first(a), client: a[1] ?? '', output: o.output as string | undefined }),
  );
  act(
    destructive(verb('vpn-server-client-delete', 'delete client records (disconnecting them first)').argument('<server>', 'server id or name').argument('<client...>', 'client ids')),
    () => import('./commands/vpn-server-client-delete.ts'),
    (a, o) => ({ server: first(a), clients: a.slice(1), force: o.force === true, quiet: o.quiet === true }),
  );
  act(
    destructive(
      verb('vpn-server-client-disconnect', 'disconnect clients by id, or every session of a user or common name')
        .argument('<server>', 'server id or name')
        .argument('[client...]', 'client ids')
        .option('--user <name>', 'disconnect every connected session of this user')
        .option('--common-name <cn>', 'disconnect every connected session with this common name'),
    ),
    () => import('./commands/vpn-server-client-disconnect.ts'),
    (a, o) => ({
      server: first(a),
      clients: a.slice(1),
      user: o.user as string | undefined,
      commonName: o.commonName as string | undefined,
      force: o.force === true,
      quiet: o.quiet === true,
    }),
  );

  // --- routes ---------------------------------------------------------------------------------
  act(withOutput(verb('vpn-server-routes', 'list the routes of a VPN server').argument('<server>', 'server id or name')), () => import('./commands/vpn-server-routes.ts'), (a, o) => ({ server: first(a), output: o.output as string | undefined }));
  act(
    withOutput(verb('vpn-server-route', 'show a route of a VPN server').argument('<server>', 'server id or name').argument('<route>', 'route id or name')),
    () => import('./commands/vpn-server-route.ts'),
    (a, o) => ({ server: first(a), route: a[1] ?? '', output: o.output as string | undefined }),
  );
  act(
    withOutput(verb('vpn-server-route-create', 'create a route pushed to clients').argument('<server>', 'server id or name'))
      .addOption(new Option('--destination <cidr>', 'destination CIDR').argParser(cidr).makeOptionMandatory())
      .addOption(new Option('--action <action>', 'deliver (default), drop or translate').argParser(oneOf('deliver', 'drop', 'translate')))
      .option('--name <name>', 'route name')
      .option('--access-users <ids>', 'only these user IDs may use the route (comma-separated; repeatable)', list)
      .option('--access-common-names <names>', 'only these certificate common names may use the route (comma-separated; repeatable)', list)
      .option('-q, --quiet', 'print only the result'),
    () => import('./commands/vpn-server-route-create.ts'),
    (a, o) => ({
      server: first(a),
      destination: o.destination as string,
      action: o.action as 'deliver' | 'drop' | 'translate' | undefined,
      name: o.name as string | undefined,
      accessUsers: o.accessUsers as string[] | undefined,
      accessCommonNames: o.accessCommonNames as string[] | undefined,
      output: o.output as string | undefined,
      quiet: o.quiet === true,
    }),
  );
  act(
    withOutput(verb('vpn-server-route-update', 'rename a route or change who may use it').argument('<server>', 'server id or name').argument('<route>', 'route id or name'))
      .option('--name <name>', 'new route name')
      .option('--access-users <ids>', 'only these user IDs may use the route (comma-separated; repeatable)', list)
      .option('--access-common-names <names>', 'only these certificate common names may use the route (comma-separated; repeatable)', list)
      .option('--access-everyone', 'let every user use the route again')
      .option('-q, --quiet', 'print only the result'),
    () => import('./commands/vpn-server-route-update.ts'),
    (a, o) => ({
      server: first(a),
      route: a[1] ?? '',
      name: o.name as string | undefined,
      accessUsers: o.accessUsers as string[] | undefined,
      accessCommonNames: o.accessCommonNames as string[] | undefined,
      accessEveryone: o.accessEveryone === true,
      output: o.output as string | undefined,
      quiet: o.quiet === true,
    }),
  );
  act(
    destructive(verb('vpn-server-route-delete', 'delete routes of a VPN server').argument('<server>', 'server id or name').argument('<route...>', 'route ids or names')),
    () => import('./commands/vpn-server-route-delete.ts'),
    (a, o) => ({ server: first(a), routes: a.slice(1), force: o.force === true, quiet: o.quiet === true }),
  );

  // --- gateways -------------------------------------------------------------------------------
  act(withOutput(verb('gateways', 'list the gateway hosts that run VPN servers (Sluice)')), () => import('./commands/gateways.ts'), (_, o) => ({ output: o.output as string | undefined }));
  act(withOutput(verb('gateway-show', 'show a gateway (Sluice; `sluice gateway` runs one)').argument('<gateway>', 'gateway id or name')), () => import('./commands/gateway.ts'), (a, o) => ({ gateway: first(a), output: o.output as string | undefined }));
  act(
    withOutput(verb('gateway-create', 'register a gateway and print its one-time join token (Sluice, Administrator)').argument('<name>', 'gateway name'))
      .requiredOption('--host <host>', 'public DNS name or IP address VPN clients reach the gateway at')
      .addOption(new Option('--port-range <min-max>', 'public ports the gateway offers, e.g. 1194-1294').argParser(portRange))
      .addOption(new Option('--label <key=value>', 'a label (repeatable)').argParser(label))
      .option('--subnet <id>', 'subnet id VPN servers name the gateway by (default: the gateway id)')
      .option('-q, --quiet', 'print only the result'),
    () => import('./commands/gateway-create.ts'),
    (a, o) => ({
      name: first(a),
      host: o.host as string,
      portRange: o.portRange as { min: number; max: number } | undefined,
      labels: o.label as Record<string, string> | undefined,
      subnet: o.subnet as string | undefined,
      output: o.output as string | undefined,
      quiet: o.quiet === true,
    }),
  );
  act(
    destructive(verb('gateway-delete', 'delete gateways: their credentials stop working (Sluice, Administrator)').argument('<gateway...>', 'gateway ids or names')),
    () => import('./commands/gateway-delete.ts'),
    (a, o) => ({ gateways: a, force: o.force === true, quiet: o.quiet === true }),
  );
  act(
    withOutput(verb('gateway-join-token', 'issue a new one-time join token; the gateway\'s current credential stops working (Sluice, Administrator)').argument('<gateway>', 'gateway id or name')),
    () => import('./commands/gateway-join-token.ts'),
    (a, o) => ({ gateway: first(a), output: o.output as string | undefined }),
  );

  // --- audit trail ----------------------------------------------------------------------------
  act(
    verb('audit', 'show the audit trail (Administrator); --output jsonl exports it as JSON lines')
      .option('--since <time>', 'events at or after TIME (2026-11-30T08:00:00Z, or 30m, 24h, 7d back from now)')
      .option('--until <time>', 'events before TIME')
      .option('--actor <user>', 'calls by this user (id or name)')
      .option('--target <id>', 'calls on this resource (a VPN server id also finds its clients and routes)')
      .option('--operation <id>', 'calls of this operation, e.g. disconnect_vpn_client')
      .addOption(new Option('--outcome <outcome>', 'succeeded, refused, rejected or failed').argParser(oneOf('succeeded', 'refused', 'rejected', 'failed')))
      .addOption(new Option('--limit <n>', 'how many of the newest events (default 50)').argParser(integer(1, 1_000_000)))
      .option('--all', 'every matching event')
      .addOption(new Option('--output <format>', 'JSON prints the events as an array; JSONL exports every matching event, oldest first, one per line').argParser(oneOf('json', 'jsonl'))),
    () => import('./commands/audit.ts'),
    (_, o) => ({
      since: o.since as string | undefined,
      until: o.until as string | undefined,
      actor: o.actor as string | undefined,
      target: o.target as string | undefined,
      operation: o.operation as string | undefined,
      outcome: o.outcome as string | undefined,
      limit: o.limit as number | undefined,
      all: o.all === true,
      output: o.output as 'json' | 'jsonl' | undefined,
    }),
  );

  // --- shell ----------------------------------------------------------------------------------
  act(
    verb('completion', 'print a shell completion script').addArgument(new Argument('<shell>', 'bash or zsh').choices(['bash', 'zsh'])),
    () => import('./commands/completion.ts'),
    (a) => ({ shell: first(a) as 'bash' | 'zsh', program }),
  );
  return program;
}
