/**
 * The dialler's one log format: a JSON object per line, `{time, level, msg, ...fields}`, written by the
 * worker and the simulator through `createLogger`, and by the API through Fastify's pino configured with
 * `pinoOptions` to the same field names. A line about a call carries `campaign_id`, `run_no`,
 * `contact_id` and `attempt_id` (`CallFields`), so one grep finds everything about a call in every
 * process. `npm start` renders these lines for a person (`renderLine`); `ORI_LOG_FORMAT=json` passes them
 * through untouched.
 */

export const LOG_LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

/** Pino's numeric levels, so a threshold compares the same way in every process. */
const LEVEL_VALUE: Record<LogLevel, number> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
};

export type LogFields = Record<string, unknown>;

/** The ids every line about a call carries. */
export type CallFields = {
  campaign_id: string;
  run_no: number;
  contact_id: string;
  attempt_id: string;
};

export interface Logger {
  readonly level: LogLevel;
  isEnabled(level: LogLevel): boolean;
  trace(msg: string, fields?: LogFields): void;
  debug(msg: string, fields?: LogFields): void;
  info(msg: string, fields?: LogFields): void;
  warn(msg: string, fields?: LogFields): void;
  error(msg: string, fields?: LogFields): void;
  /** A logger whose every line also carries `fields` (a call's ids, a component's name). */
  child(fields: LogFields): Logger;
}

export function parseLogLevel(value: string | undefined, fallback: LogLevel = 'info'): LogLevel {
  if (value === undefined || value === '') return fallback;
  const level = value.toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(level)) {
    throw new Error(`ORI_LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${value}"`);
  }
  return level as LogLevel;
}

export const levelAtLeast = (level: LogLevel, threshold: LogLevel): boolean =>
  LEVEL_VALUE[level] >= LEVEL_VALUE[threshold];

/** An Error as plain JSON fields (JSON.stringify drops its message and stack). */
function serialisable(value: unknown): unknown {
  if (value instanceof Error) {
    return { type: value.name, message: value.message, stack: value.stack };
  }
  return value;
}

export interface LoggerOptions {
  level: LogLevel;
  /** Fields on every line (the process: `service: 'worker'`). */
  base?: LogFields;
  /** Where lines go; stdout by default. Tests capture them here. */
  write?: (line: string) => void;
  now?: () => Date;
}

export function createLogger(options: LoggerOptions): Logger {
  const write = options.write ?? ((line: string) => void process.stdout.write(line));
  const now = options.now ?? (() => new Date());
  const make = (bound: LogFields): Logger => {
    const emit = (level: LogLevel, msg: string, fields?: LogFields): void => {
      if (!levelAtLeast(level, options.level)) return;
      const line: LogFields = { time: now().toISOString(), level, msg, ...bound };
      for (const [key, value] of Object.entries(fields ?? {})) {
        // The fixed keys stay what they say, whatever a caller passes.
        if (key !== 'time' && key !== 'level' && key !== 'msg') line[key] = serialisable(value);
      }
      let text: string;
      try {
        text = JSON.stringify(line);
      } catch {
        // A circular field: the message still gets out.
        text = JSON.stringify({ time: line.time, level, msg, ...bound, fields_unserialisable: true });
      }
      write(`${text}\n`);
    };
    return {
      level: options.level,
      isEnabled: (level) => levelAtLeast(level, options.level),
      trace: (msg, fields) => emit('trace', msg, fields),
      debug: (msg, fields) => emit('debug', msg, fields),
      info: (msg, fields) => emit('info', msg, fields),
      warn: (msg, fields) => emit('warn', msg, fields),
      error: (msg, fields) => emit('error', msg, fields),
      child: (fields) => make({ ...bound, ...fields }),
    };
  };
  return make(options.base ?? {});
}

/** A logger that writes nothing (tests and library callers that do not care). */
export const silentLogger: Logger = createLogger({ level: 'fatal', write: () => undefined });

/**
 * Fastify's pino options giving the same line shape as `createLogger`: level names, ISO `time`, `msg`,
 * and `request_id` on every line of a request (Fastify's `requestIdLogLabel`).
 */
export function pinoOptions(level: LogLevel) {
  return {
    level,
    base: { service: 'api' },
    timestamp: (): string => `,"time":"${new Date().toISOString()}"`,
    formatters: { level: (label: string) => ({ level: label }) },
  };
}
