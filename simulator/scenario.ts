/**
 * Scenario JSON (docs/simulator.md "Scenarios") and its token grammar: validation and compilation into the
 * form the dial planner draws from. Pure: no I/O, no clock, no randomness.
 */

/** One dial's behaviour, as written in a scenario (`answer:40:INTERESTED`, `sip:486`, ...). */
export type Token =
  | { kind: 'answer'; talkS?: number; disposition?: string; callbackInMin?: number }
  | { kind: 'no_answer'; ringS?: number }
  | { kind: 'ring' }
  | { kind: 'nocode'; ringS?: number }
  | { kind: 'sip'; code: number; ringS?: number }
  | { kind: 'machine'; talkS?: number }
  | { kind: 'fleet_busy' }
  | { kind: 'error' }
  | { kind: 'stall' }
  | { kind: 'drop' };

export type TokenKind = Token['kind'];

/** The `default` block: token weights plus the `ring_s` / `talk_s` ranges and the disposition weights. */
export interface ScenarioDefault {
  [tokenOrKnob: string]: number | [number, number] | Record<string, number> | undefined;
  ring_s?: [number, number];
  talk_s?: [number, number];
  disposition?: Record<string, number>;
}

/** A scenario as accepted from JSON or code: every field optional. */
export interface ScenarioInput {
  time_scale?: number;
  cps_limit?: number | null;
  default?: ScenarioDefault;
  numbers?: Record<string, string[]>;
}

/** A validated scenario with every default filled in (what `GET /scenario` returns). */
export interface Scenario {
  time_scale: number;
  cps_limit: number | null;
  default: ScenarioDefault & {
    ring_s: [number, number];
    talk_s: [number, number];
    disposition: Record<string, number>;
  };
  numbers: Record<string, string[]>;
}

export interface WeightedToken {
  text: string;
  token: Token;
  weight: number;
}

/** What the planner draws from. */
export interface CompiledScenario {
  timeScale: number;
  cpsLimit: number | null;
  defaultTokens: WeightedToken[];
  ringRangeS: [number, number];
  talkRangeS: [number, number];
  dispositions: Array<{ name: string; weight: number }>;
  /** Keyed by the number's digits only, so `+14155550101` and `14155550101` are the same entry. */
  numbers: Map<string, Array<{ text: string; token: Token }>>;
}

export class ScenarioError extends Error {
  override name = 'ScenarioError';
}

/** The example of docs/simulator.md: what an unconfigured simulator does with every number. */
export const DEFAULT_SCENARIO: Scenario = {
  time_scale: 1,
  cps_limit: null,
  default: {
    answer: 0.4,
    no_answer: 0.3,
    'sip:486': 0.1,
    'sip:603': 0.05,
    machine: 0.05,
    error: 0.1,
    ring_s: [2, 20],
    talk_s: [10, 120],
    disposition: { COMPLETED: 0.7, INTERESTED: 0.3 },
  },
  numbers: {},
};

const KNOB_KEYS = new Set(['ring_s', 'talk_s', 'disposition']);
const TOP_LEVEL_KEYS = new Set(['time_scale', 'cps_limit', 'default', 'numbers']);
const DISPOSITION_PATTERN = /^[A-Za-z0-9_-]+$/;

/** Digits only: how numbers in a scenario are matched against dialled numbers. */
export function numberKey(number: string): string {
  return number.replace(/\D/g, '');
}

function parseSeconds(raw: string | undefined, what: string, token: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  if (!/^\d+(\.\d+)?$/.test(raw)) {
    throw new ScenarioError(
      `token "${token}": ${what} must be a non-negative number of seconds, got "${raw}"`,
    );
  }
  return Number(raw);
}

function expectArity(parts: string[], max: number, token: string, grammar: string): void {
  if (parts.length > max) throw new ScenarioError(`token "${token}": too many fields (expected ${grammar})`);
}

/** Parses one token of the docs/simulator.md "Scenarios" table. Throws ScenarioError with a message fit for a 400. */
export function parseToken(text: string): Token {
  if (typeof text !== 'string' || text.trim() === '')
    throw new ScenarioError('a token must be a non-empty string');
  const parts = text.trim().split(':');
  const kind = parts[0] ?? '';
  switch (kind) {
    case 'answer': {
      expectArity(parts, 4, text, 'answer[:talk_s[:disposition[:callback_in_min]]]');
      const token: Token = { kind: 'answer' };
      const talkS = parseSeconds(parts[1], 'talk_s', text);
      if (talkS !== undefined) token.talkS = talkS;
      const disposition = parts[2];
      if (disposition !== undefined && disposition !== '') {
        if (!DISPOSITION_PATTERN.test(disposition)) {
          throw new ScenarioError(`token "${text}": disposition must be letters, digits, "_" or "-"`);
        }
        token.disposition = disposition;
      }
      const callbackInMin = parseSeconds(parts[3], 'callback_in_min', text);
      if (callbackInMin !== undefined) token.callbackInMin = callbackInMin;
      return token;
    }
    case 'no_answer':
    case 'nocode': {
      expectArity(parts, 2, text, `${kind}[:ring_s]`);
      const ringS = parseSeconds(parts[1], 'ring_s', text);
      return ringS === undefined ? { kind } : { kind, ringS };
    }
    case 'sip': {
      expectArity(parts, 3, text, 'sip:<code>[:ring_s]');
      const code = parts[1];
      if (code === undefined || !/^\d{3}$/.test(code) || Number(code) < 300 || Number(code) > 699) {
        throw new ScenarioError(`token "${text}": sip needs a failure code between 300 and 699`);
      }
      const ringS = parseSeconds(parts[2], 'ring_s', text);
      return ringS === undefined
        ? { kind: 'sip', code: Number(code) }
        : { kind: 'sip', code: Number(code), ringS };
    }
    case 'machine': {
      expectArity(parts, 2, text, 'machine[:talk_s]');
      const talkS = parseSeconds(parts[1], 'talk_s', text);
      return talkS === undefined ? { kind: 'machine' } : { kind: 'machine', talkS };
    }
    case 'ring':
    case 'fleet_busy':
    case 'error':
    case 'stall':
    case 'drop':
      expectArity(parts, 1, text, kind);
      return { kind };
    default:
      throw new ScenarioError(
        `unknown token "${text}" (expected answer, no_answer, ring, nocode, sip:<code>, machine, fleet_busy, error, stall or drop)`,
      );
  }
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function parseRange(value: unknown, name: string): [number, number] {
  if (
    !Array.isArray(value) ||
    value.length !== 2 ||
    !value.every((v) => typeof v === 'number' && Number.isFinite(v) && v >= 0)
  ) {
    throw new ScenarioError(`default.${name} must be [min, max] seconds, both >= 0`);
  }
  const [min, max] = value as [number, number];
  if (min > max) throw new ScenarioError(`default.${name}: min ${min} is above max ${max}`);
  return [min, max];
}

function parseWeight(value: unknown, where: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value < 0) {
    throw new ScenarioError(`${where} must be a weight >= 0`);
  }
  return value;
}

function compileDefault(input: unknown): {
  json: Scenario['default'];
  compiled: Omit<CompiledScenario, 'timeScale' | 'cpsLimit' | 'numbers'>;
} {
  if (!isPlainObject(input)) throw new ScenarioError('default must be an object of token weights');
  const ring =
    input.ring_s === undefined ? DEFAULT_SCENARIO.default.ring_s : parseRange(input.ring_s, 'ring_s');
  const talk =
    input.talk_s === undefined ? DEFAULT_SCENARIO.default.talk_s : parseRange(input.talk_s, 'talk_s');
  let disposition = DEFAULT_SCENARIO.default.disposition;
  if (input.disposition !== undefined) {
    if (!isPlainObject(input.disposition))
      throw new ScenarioError('default.disposition must be an object of weights');
    disposition = {};
    for (const [name, weight] of Object.entries(input.disposition)) {
      if (!DISPOSITION_PATTERN.test(name))
        throw new ScenarioError(`default.disposition: bad disposition "${name}"`);
      disposition[name] = parseWeight(weight, `default.disposition.${name}`);
    }
  }
  const dispositions = Object.entries(disposition).map(([name, weight]) => ({ name, weight }));
  if (!dispositions.some((d) => d.weight > 0)) {
    throw new ScenarioError('default.disposition needs at least one positive weight');
  }

  const defaultTokens: WeightedToken[] = [];
  const json: Scenario['default'] = { ring_s: ring, talk_s: talk, disposition };
  for (const [key, value] of Object.entries(input)) {
    if (KNOB_KEYS.has(key)) continue;
    const token = parseToken(key);
    const weight = parseWeight(value, `default["${key}"]`);
    defaultTokens.push({ text: key, token, weight });
    json[key] = weight;
  }
  if (!defaultTokens.some((t) => t.weight > 0)) {
    throw new ScenarioError('default needs at least one token with a positive weight');
  }
  return { json, compiled: { defaultTokens, ringRangeS: ring, talkRangeS: talk, dispositions } };
}

/**
 * Validates a scenario (from JSON or code) and fills in defaults. Throws ScenarioError with a message that
 * names the offending field, so `PUT /scenario` can answer 400 with it.
 */
export function compileScenario(input: unknown): { scenario: Scenario; compiled: CompiledScenario } {
  if (!isPlainObject(input)) throw new ScenarioError('a scenario must be a JSON object');
  for (const key of Object.keys(input)) {
    if (!TOP_LEVEL_KEYS.has(key)) {
      throw new ScenarioError(
        `unknown scenario field "${key}" (expected time_scale, cps_limit, default, numbers)`,
      );
    }
  }

  const timeScale = input.time_scale ?? DEFAULT_SCENARIO.time_scale;
  if (typeof timeScale !== 'number' || !Number.isFinite(timeScale) || timeScale <= 0) {
    throw new ScenarioError('time_scale must be a number > 0');
  }
  const cpsLimit = input.cps_limit ?? null;
  if (cpsLimit !== null && (typeof cpsLimit !== 'number' || !Number.isFinite(cpsLimit) || cpsLimit <= 0)) {
    throw new ScenarioError('cps_limit must be null or a number > 0');
  }

  const { json: defaultJson, compiled: defaultCompiled } = compileDefault(
    input.default ?? DEFAULT_SCENARIO.default,
  );

  const numbersInput = input.numbers ?? {};
  if (!isPlainObject(numbersInput))
    throw new ScenarioError('numbers must be an object of number → token list');
  const numbers = new Map<string, Array<{ text: string; token: Token }>>();
  const numbersJson: Record<string, string[]> = {};
  for (const [number, tokens] of Object.entries(numbersInput)) {
    const key = numberKey(number);
    if (key === '') throw new ScenarioError(`numbers: "${number}" has no digits`);
    if (numbers.has(key))
      throw new ScenarioError(`numbers: "${number}" is listed twice (with and without "+"?)`);
    if (!Array.isArray(tokens) || tokens.length === 0) {
      throw new ScenarioError(`numbers["${number}"] must be a non-empty list of tokens`);
    }
    numbers.set(
      key,
      tokens.map((text: unknown) => {
        if (typeof text !== 'string') throw new ScenarioError(`numbers["${number}"]: tokens must be strings`);
        return { text, token: parseToken(text) };
      }),
    );
    numbersJson[number] = [...(tokens as string[])];
  }

  return {
    scenario: { time_scale: timeScale, cps_limit: cpsLimit, default: defaultJson, numbers: numbersJson },
    compiled: { timeScale, cpsLimit, numbers, ...defaultCompiled },
  };
}
