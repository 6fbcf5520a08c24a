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
