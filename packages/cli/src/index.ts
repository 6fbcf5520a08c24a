// The runtime seam, for tests and tools that run services the way `nlyzer` does.
export { type CommandConfig, cliConfigSchema, loadCommandConfig, servicePort } from './runtime/cli-config.ts';
export { CLI_ERROR_CODES, CliError, type CliErrorCode } from './runtime/cli-error.ts';
export { type DiscoveredServices, discoverServices, findService } from './runtime/discover-services.ts';
export { migrationSets } from './runtime/migration-sets.ts';
export { type Platform, type PlatformOptions, startPlatform } from './runtime/platform.ts';
export { buildService, type RuntimeService, type ServiceRuntimeOptions } from './runtime/service-runtime.ts';
export { planSubscriptions, type SubscriptionPlan } from './runtime/subscription-plan.ts';
