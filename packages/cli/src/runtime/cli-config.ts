import { SERVICE_NAMES, type ServiceName } from '@nlyzer/contracts';
import { baseConfigSchema, type Env, loadConfig } from '@nlyzer/service-kit';
import Type, { type Static, type TSchema } from 'typebox';

/** `sync-worker` → `NLYZER_PORT_SYNC_WORKER`. */
export function portVariable(service: ServiceName): string {
  return `NLYZER_PORT_${service.toUpperCase().replaceAll('-', '_')}`;
}

const servicePorts: Record<string, TSchema> = Object.fromEntries(
  SERVICE_NAMES.map((service) => [
    portVariable(service),
    Type.Optional(
      Type.Integer({
        minimum: 0,
        maximum: 65535,
        description: `Port of ${service} under \`nlyzer dev\` (default NLYZER_PORT_BASE + ${SERVICE_NAMES.indexOf(service)})`,
      }),
    ),
  ]),
);

/** Cloud Run's push route is reachable from outside, so there it must know who may push. */
const PUSH_IN_PRODUCTION = { NODE_ENV: 'production', NLYZER_PUBSUB_DELIVERY: 'push' };

/** The variables only the `nlyzer` command reads, beside the kit's shared ones. */
export const cliConfigSchema = Type.Object({
  NLYZER_PORT_BASE: Type.Integer({
    minimum: 1,
    maximum: 65535 - SERVICE_NAMES.length,
    default: 8080,
    description: 'First service port of `nlyzer dev`; each service adds its index in the service catalog',
  }),
  ...servicePorts,
  NLYZER_DB_PORT: Type.Integer({
    minimum: 0,
    maximum: 65535,
    default: 54329,
    description:
      '`nlyzer dev` serves its embedded PGlite over the Postgres wire protocol here (0 → any free port)',
  }),
  NLYZER_PUBSUB_DELIVERY: Type.Enum(['pull', 'push'], {
    default: 'push',
    description:
      'With BUS_DRIVER=pubsub: `push` serves the push subscriptions Terraform creates (Cloud Run); `pull` creates and pulls its own (`nlyzer dev --distributed`)',
  }),
  PUBSUB_PUSH_AUDIENCE: Type.Optional(
    Type.String({
      minLength: 1,
      requiredWhen: PUSH_IN_PRODUCTION,
      description:
        "Audience of the OIDC token on pushes to `/pubsub/push` (the subscription's oidc_token.audience); with PUBSUB_PUSH_SERVICE_ACCOUNT unset too, pushes are accepted unauthenticated outside production",
    }),
  ),
  PUBSUB_PUSH_SERVICE_ACCOUNT: Type.Optional(
    Type.String({
      minLength: 1,
      expected: 'a service account email',
      requiredWhen: PUSH_IN_PRODUCTION,
      description:
        'Account whose verified email the push OIDC token must carry (oidc_token.service_account_email)',
    }),
  ),
  PUBSUB_PUSH_JWKS_URL: Type.String({
    pattern: '^https?://',
    expected: 'an http(s) URL',
    default: 'https://www.googleapis.com/oauth2/v3/certs',
    description: 'Keys the push OIDC tokens are verified against',
  }),
});

/** What every command reads: the kit's shared variables plus the CLI's own. */
export const commandConfigSchema = Type.Object({
  ...baseConfigSchema.properties,
  ...cliConfigSchema.properties,
});
export type CommandConfig = Static<typeof commandConfigSchema> & Record<string, unknown>;

export function loadCommandConfig(env: Env): CommandConfig {
  return loadConfig(commandConfigSchema, env) as CommandConfig;
}

/** gateway → 8080, then one port per catalog index, unless NLYZER_PORT_<SERVICE> says otherwise. */
export function servicePort(service: ServiceName, config: CommandConfig): number {
  const override = config[portVariable(service)];
  return typeof override === 'number' ? override : config.NLYZER_PORT_BASE + SERVICE_NAMES.indexOf(service);
}
