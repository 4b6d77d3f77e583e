import type { LoggerService, LogLevel as NestLogLevel } from '@nestjs/common';
import type { Logger } from 'pino';

type PinoMethod = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace';

const BY_NEST_LEVEL: Record<NestLogLevel, PinoMethod> = {
  fatal: 'fatal',
  error: 'error',
  warn: 'warn',
  log: 'info',
  debug: 'debug',
  verbose: 'trace',
};

const ORDER: readonly PinoMethod[] = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'];

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return (
    typeof value === 'object' &&
    value !== null &&
    !Array.isArray(value) &&
    !(value instanceof Error)
  );
}

/**
 * A NestJS `LoggerService` writing JSON lines through a pino logger, so framework logs
 * (`Nest application successfully started`, exception logs) and `new Logger(ctx)` calls in
 * application code come out as structured, redacted lines with a `context` field. An object
 * message becomes fields of the line; its `msg` becomes the message.
 *
 * @example
 * ```ts
 * const app = await NestFactory.create(AppModule, { logger: new BulwarkLogger(createLogger()) });
 * ```
 */
export class BulwarkLogger implements LoggerService {
  constructor(readonly pino: Logger) {}

  log(message: unknown, ...optionalParams: unknown[]): void {
    this.write('info', message, optionalParams);
  }

  error(message: unknown, ...optionalParams: unknown[]): void {
    this.write('error', message, optionalParams);
  }

  warn(message: unknown, ...optionalParams: unknown[]): void {
    this.write('warn', message, optionalParams);
  }

  debug(message: unknown, ...optionalParams: unknown[]): void {
    this.write('debug', message, optionalParams);
  }

  verbose(message: unknown, ...optionalParams: unknown[]): void {
    this.write('trace', message, optionalParams);
  }

  fatal(message: unknown, ...optionalParams: unknown[]): void {
    this.write('fatal', message, optionalParams);
  }

  /** Nest's `logger: ['error', 'warn']` option: logs at the lowest level listed. */
  setLogLevels(levels: NestLogLevel[]): void {
    const methods = levels.map((level) => BY_NEST_LEVEL[level]);
    const lowest = ORDER.find((method) => methods.includes(method));
    this.pino.level = lowest ?? 'silent';
  }

  private write(method: PinoMethod, message: unknown, params: unknown[]): void {
    if (!this.pino.isLevelEnabled(method)) return;
    const rest = [...params];
    // Nest appends the context as the last string argument.
    const context =
      rest.length > 0 && typeof rest.at(-1) === 'string' ? (rest.pop() as string) : undefined;
    const fields: Record<string, unknown> = context === undefined ? {} : { context };
    // Logger.error(message, stack, context): the stack comes as a second string.
    if (method === 'error' && typeof rest[0] === 'string' && rest[0].includes('\n')) {
      fields.stack = rest.shift();
    }
    if (rest.length > 0) fields.params = rest;
    if (message instanceof Error) {
      this.pino[method]({ ...fields, err: message }, message.message);
    } else if (isPlainObject(message)) {
      const { msg, ...others } = message;
      this.pino[method]({ ...others, ...fields }, typeof msg === 'string' ? msg : undefined);
    } else {
      this.pino[method](fields, typeof message === 'string' ? message : String(message));
    }
  }
}
