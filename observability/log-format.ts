/**
 * How `npm start` shows its children's JSON log lines to a person (ORI_LOG_FORMAT=pretty, the default):
 *
 *   12:01:03 worker  INFO  call ended campaign=3f2a9c1e run=1 contact=77b0e2d4 attempt=a1c9… outcome=busy
 *
 * The call's ids come first, shortened to 8 characters (the short ids the web UI shows); with
 * ORI_LOG_FORMAT=json the lines pass through untouched for a log shipper. A line that is not one of ours
 * (a stack trace, a library's print) is shown as it came.
 */

const HIDDEN = new Set(['time', 'level', 'msg', 'service', 'pid', 'hostname']);
/** The call's ids first, under short names. */
const CALL_KEYS: [string, string][] = [
  ['campaign_id', 'campaign'],
  ['run_no', 'run'],
  ['contact_id', 'contact'],
  ['attempt_id', 'attempt'],
  ['request_id', 'request'],
];
const SHORT_KEYS = new Set(['campaign_id', 'contact_id', 'attempt_id']);
const PINO_LEVELS: Record<number, string> = {
  10: 'trace',
  20: 'debug',
  30: 'info',
  40: 'warn',
  50: 'error',
  60: 'fatal',
};
const LEVEL_COLOURS: Record<string, number> = {
  trace: 90,
  debug: 90,
  info: 32,
  warn: 33,
  error: 31,
  fatal: 31,
};

export interface RenderOptions {
  /** ANSI colours (a terminal). */
  colour?: boolean;
  /** The time of a line that carries none. */
  now?: () => Date;
}

const pad2 = (n: number): string => String(n).padStart(2, '0');
const clock = (d: Date): string => `${pad2(d.getHours())}:${pad2(d.getMinutes())}:${pad2(d.getSeconds())}`;

function shown(value: unknown): string {
  if (typeof value === 'string') return /[\s"=]/.test(value) || value === '' ? JSON.stringify(value) : value;
  if (value instanceof Object) {
    const message = (value as { message?: unknown }).message;
    return typeof message === 'string' ? JSON.stringify(message) : JSON.stringify(value);
  }
  return String(value);
}

function parsed(line: string): Record<string, unknown> | null {
  if (!line.startsWith('{')) return null;
  try {
    const value: unknown = JSON.parse(line);
    return value && typeof value === 'object' && !Array.isArray(value)
      ? (value as Record<string, unknown>)
      : null;
  } catch {
    return null;
  }
}

/** One child's line for a person; `name` is the child (api, worker, simulator). */
export function renderLine(name: string, line: string, options: RenderOptions = {}): string {
  const paint = (code: number, text: string): string =>
    options.colour ? `\u001b[${code}m${text}\u001b[0m` : text;
  const entry = parsed(line);
  const who = name.padEnd(9);
  if (!entry || typeof entry.msg !== 'string') {
    return `${clock((options.now ?? (() => new Date()))())} ${paint(36, who)} ${line}`;
  }
  const time = typeof entry.time === 'string' || typeof entry.time === 'number' ? new Date(entry.time) : null;
  const at = time && !Number.isNaN(time.getTime()) ? time : (options.now ?? (() => new Date()))();
  const rawLevel = typeof entry.level === 'number' ? PINO_LEVELS[entry.level] : entry.level;
  const level = typeof rawLevel === 'string' ? rawLevel : 'info';
  const fields: string[] = [];
  for (const [key, label] of CALL_KEYS) {
    const value = entry[key];
    if (value === undefined || value === null) continue;
    const text = String(value);
    fields.push(`${label}=${SHORT_KEYS.has(key) && text.length > 8 ? text.slice(0, 8) : text}`);
  }
  const callKeys = new Set(CALL_KEYS.map(([key]) => key));
  for (const [key, value] of Object.entries(entry)) {
    if (HIDDEN.has(key) || callKeys.has(key) || value === undefined) continue;
    fields.push(`${key}=${shown(value)}`);
  }
  const stack = (entry.err as { stack?: unknown } | undefined)?.stack;
  const tail = typeof stack === 'string' && level !== 'info' ? `\n${stack}` : '';
  const levelText = paint(LEVEL_COLOURS[level] ?? 0, level.toUpperCase().padEnd(5));
  return `${clock(at)} ${paint(36, who)} ${levelText} ${entry.msg}${fields.length ? ` ${fields.join(' ')}` : ''}${tail}`;
}
