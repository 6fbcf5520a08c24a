import { BusError } from '@nlyzer/bus';
import { DatabaseError } from '@nlyzer/db';
import { ConfigError } from '@nlyzer/service-kit';
import { Command } from 'commander';
import { configCommand } from './commands/config.ts';
import { type ConnectOptions, connectCommand } from './commands/connect.ts';
import { devCommand } from './commands/dev.ts';
import { devDistributedCommand } from './commands/dev-distributed.ts';
import { dlqListCommand, dlqReplayCommand } from './commands/dlq.ts';
import { migrateCommand } from './commands/migrate.ts';
import { type SandboxOptions, sandboxCommand } from './commands/sandbox.ts';
import { schedulerCommand } from './commands/scheduler.ts';
import { type SeedCatalogOptions, seedCatalogCommand } from './commands/seed-catalog.ts';
import { serveCommand } from './commands/serve.ts';
import { syncNowCommand, syncRunsCommand } from './commands/sync.ts';
import { CliError } from './runtime/cli-error.ts';
import { processIo } from './runtime/console-output.ts';

// The command table only: each command lives in commands/, the wiring they share in runtime/.
const env = process.env;
const io = processIo;
const exitWith = (code: number) => process.exit(code);

const program = new Command('nlyzer').description('NLyzer platform: run, migrate and operate the services');

program
  .command('dev')
  .description('run every service of the workspace on the embedded database and bus (what `npm start` runs)')
  .option(
    '--distributed',
    'the production topology: one process per service on Postgres and the Pub/Sub emulator',
  )
  .action(async (options: { distributed?: boolean }) =>
    exitWith(await (options.distributed ? devDistributedCommand(env, io) : devCommand(env, io))),
  );

program
  .command('serve')
  .description('run one service in this process (the Cloud Run entry point)')
  .argument('<service>', 'service name, e.g. gateway')
  .option('--migrate', "bring the platform's and this service's migrations up to date first")
  .action((service: string, options: { migrate?: boolean }) => serveCommand(service, options, env));

program
  .command('scheduler')
  .description('fire the schedule catalog at the running services over HTTP, as Cloud Scheduler does')
  .action(async () => exitWith(await schedulerCommand(env)));

program
  .command('migrate')
  .description('apply pending migrations: the platform sets and every service (or one)')
  .option('--service <name>', 'only this migration set (bus, scheduler or a service)')
  .action((options: { service?: string }) => migrateCommand(options, env, io));

const dlq = program.command('dlq').description('dead-lettered events');
dlq
  .command('list')
  .description('list dead letters not replayed yet')
  .option('--subscription <name>', 'only this subscription')
  .option('--json', 'print JSON')
  .action((options: { subscription?: string; json?: boolean }) => dlqListCommand(options, env, io));
dlq
  .command('replay')
  .description('put dead letters back on their subscription')
  .argument('[ids...]', 'dead letter ids')
  .option('--all', 'every dead letter not replayed yet')
  .option('--subscription <name>', 'with --all: only this subscription')
  .action(async (ids: string[], options: { all?: boolean; subscription?: string }) =>
    exitWith(await dlqReplayCommand({ ids, ...options }, env, io)),
  );

const seed = program.command('seed').description('generated data for demos and evaluation');
seed
  .command('catalog')
  .description('render a generated product catalog (photos + ground truth) and load it into a store')
  .option('--products <n>', 'number of products', '100')
  .option('--seed <n>', 'generator seed (same seed, same catalog)')
  .option('--shopper-photos <k>', 'also render k shopper photos per product (evaluation queries)')
  .option('--out <dir>', 'catalog folder (default: <NLYZER_DATA_DIR>/demo-catalog)')
  .option('--store <id>', 'store to load into (default: the demo store)')
  .option('--no-load', 'only write the files')
  .action(async (options: SeedCatalogOptions) => exitWith(await seedCatalogCommand(options, env, io)));

const gatewayOptions = (command: Command) =>
  command
    .option('--gateway <url>', 'gateway URL (default: NLYZER_GATEWAY_URL or http://localhost:8080)')
    .option('--api-key <key>', "the store's API key (default: NLYZER_API_KEY)");

gatewayOptions(
  program
    .command('connect')
    .description("connect a store's catalog and follow its onboarding until search is live")
    .argument('<platform>', 'shopify, woocommerce or feed'),
)
  .option('--shop <domain>', 'shopify: the shop, name.myshopify.com')
  .option('--store-url <url>', 'woocommerce: the WordPress site')
  .option('--consumer-key <key>', 'woocommerce: REST API consumer key (ck_…)')
  .option('--consumer-secret <secret>', 'woocommerce: REST API consumer secret (cs_…)')
  .option('--feed-url <url>', 'feed: product feed URL (JSON, CSV or Google Merchant XML)')
  .option('--format <format>', 'feed: json, csv or google_merchant_xml (default: detected)')
  .option('--storefront-url <url>', 'feed: the shop the widget goes into')
  .option('--no-wait', 'return once connected, without following the import')
  .action(async (platform: string, options: ConnectOptions) =>
    exitWith(await connectCommand(platform, options, env, io)),
  );

const sync = program.command('sync').description("the store's catalog sync runs");
gatewayOptions(sync.command('now').description('start a sync run and follow it until indexed'))
  .option('--full', 'a full sync (products gone from the platform are deleted)')
  .option('--no-wait', 'return once queued')
  .action(async (options: { full?: boolean; wait: boolean }) =>
    exitWith(await syncNowCommand(options, env, io)),
  );
gatewayOptions(sync.command('runs').description('recent runs, newest first')).action(async (options) =>
  exitWith(await syncRunsCommand(options, env, io)),
);

program
  .command('sandbox')
  .description('a local Shopify-, WooCommerce- or feed-shaped store with the demo catalog, to connect to')
  .argument('<platform>', 'shopify, woocommerce or feed')
  .option('--products <n>', 'number of products', '200')
  .option('--port <port>', 'port on 127.0.0.1 (default: any free one)')
  .action(async (platform: string, options: SandboxOptions) =>
    exitWith(await sandboxCommand(platform, options, env, io)),
  );

program
  .command('config')
  .description('every configuration variable, from the schemas')
  .option('--markdown', 'as markdown tables (the README section)')
  .option('--update-readme', "rewrite the README's configuration table")
  .action((options: { markdown?: boolean; updateReadme?: boolean }) => configCommand(options, io));

try {
  await program.parseAsync(process.argv);
} catch (err) {
  // Failures with a code from a closed set explain themselves; anything else keeps its stack.
  if (
    err instanceof CliError ||
    err instanceof ConfigError ||
    err instanceof DatabaseError ||
    err instanceof BusError
  ) {
    io.stderr.write(`nlyzer: ${err.message}\n`);
    process.exit(1);
  }
  throw err;
}
