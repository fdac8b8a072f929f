// One logger setup for every component: JSON lines through pino, with the
// places where secrets could appear redacted.
import { pino, type Logger } from 'pino';

export function createLogger(component: string, level = process.env.SKIFF_LOG_LEVEL ?? 'info'): Logger {
  return pino({
    level,
    base: { component },
    redact: {
      paths: [
        'req.headers.authorization',
        'headers.authorization',
        'authorization',
        'token',
        '*.token',
        'data',
        '*.data',
        'stringData',
        '*.stringData',
      ],
      censor: '[REDACTED]',
    },
  });
}
