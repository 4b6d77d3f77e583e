import type { LoggerService } from '@nestjs/common';

/** A Nest logger that keeps every entry, to assert on what the server logged. */
export class CaptureLogger implements LoggerService {
  readonly entries: { level: string; message: unknown }[] = [];
  log(message: unknown) {
    this.entries.push({ level: 'log', message });
  }
  error(message: unknown) {
    this.entries.push({ level: 'error', message });
  }
  warn(message: unknown) {
    this.entries.push({ level: 'warn', message });
  }
  debug(message: unknown) {
    this.entries.push({ level: 'debug', message });
  }
  verbose(message: unknown) {
    this.entries.push({ level: 'verbose', message });
  }
  /** Entries whose message is an object with this request id. */
  forRequest(requestId: string) {
    return this.entries.filter(
      (entry) => (entry.message as { requestId?: string } | null)?.requestId === requestId,
    );
  }
}
