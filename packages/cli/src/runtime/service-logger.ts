import { createLogger, type Logger } from '@nlyzer/service-kit';
import type { DestinationStream } from 'pino';

/** One Cloud Logging-shaped logger per service, so `serviceContext.service` tells lines apart. */
export function loggerFactory(level: string, destination?: DestinationStream): (service: string) => Logger {
  return (service) => createLogger({ service, level }, destination);
}
