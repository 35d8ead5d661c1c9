/** A real pino logger (shared createLogger) whose JSON lines are kept for assertions. */
import { createLogger, type Logger } from '@propwatch/shared';

export interface LogLine {
  level: number;
  msg: string;
  [key: string]: unknown;
}

export function captureLogger(): { logger: Logger; lines: LogLine[]; errors: () => LogLine[] } {
  const lines: LogLine[] = [];
  const logger = createLogger({
    name: 'test',
    level: 'debug',
    destination: { write: (line: string) => void lines.push(JSON.parse(line) as LogLine) },
  });
  // pino levels: 50 = error.
  return { logger, lines, errors: () => lines.filter((line) => line.level >= 50) };
}
