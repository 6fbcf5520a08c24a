export type { FastifyPluginAsyncTypebox, TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
export {
  type BaseConfig,
  baseConfigSchema,
  ConfigError,
  type ConfigIssue,
  type ConfigRow,
  configTable,
  configTableMarkdown,
  type Env,
  type EnvVarOptions,
  type InstallConfig,
  loadConfig,
  secretOrInstallDefault,
  withBaseConfig,
} from './config.ts';
export { type App, type CreateAppOptions, createApp, type RouteModule } from './create-app.ts';
export { DeadlineExceeded } from './deadline.ts';
export {
  AppError,
  type AppErrorOptions,
  conflict,
  ERROR_CODES,
  type ErrorCode,
  type FieldError,
  forbidden,
  isAppError,
  notFound,
  problemType,
  rateLimited,
  unauthenticated,
  unavailable,
  validationFailed,
} from './errors.ts';
export {
  INTERNAL_PRINCIPAL_HEADER,
  type InternalPrincipal,
  internalAuthSecret,
  type SignInternalPrincipalOptions,
  signInternalPrincipal,
  verifyInternalPrincipal,
} from './internal-principal.ts';
export {
  type ShutdownOptions,
  type ShutdownReport,
  type ShutdownStep,
  type StartOptions,
  shutdownService,
  startService,
} from './lifecycle.ts';
export { type CreateLoggerOptions, createLogger, type Logger } from './logger.ts';
export { merchantAccess } from './merchant-access.ts';
export { sendProblem, toAppError } from './problem-json.ts';
export type { DemoSeed, JobHandler, ServiceDefinition, ServiceDeps } from './service-definition.ts';
export type { ServiceLifecycle, ServiceParts } from './service-parts.ts';
export { createWakeSignal, type WakeSignal } from './wake-signal.ts';
