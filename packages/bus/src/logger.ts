/** The slice of a pino logger the bus uses, so tests and tools can pass anything with these methods. */
export interface BusLogger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
}

const ignore = () => {};
export const silentLogger: BusLogger = { debug: ignore, info: ignore, warn: ignore, error: ignore };
