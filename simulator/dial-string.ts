/**
 * Parses the argument of `originate` as mod_commands does (docs/limits.md "`originate`"):
 * `<call url> <exten>|&app(args) [dialplan] [context] [cid_name] [cid_num] [timeout]`, where the call url is
 * `{var=value,...}[leg vars]sofia/gateway/<gw>/<number>`. Pure.
 */

export const ORIGINATE_SYNTAX =
  '<call url> <exten>|&<application_name>(<app_args>) [<dialplan>] [<context>] [<cid_name>] [<cid_num>] [<timeout_sec>]';

/** FreeSWITCH's timeout when neither `originate_timeout` nor the timeout argument is given. */
export const DEFAULT_ORIGINATE_TIMEOUT_S = 60;

export interface ParsedOriginate {
  /** `{}` and `[]` variables in the order written, `\,` unescaped. */
  variables: Array<[string, string]>;
  endpoint: string;
  gateway: string;
  number: string;
  /** `&park()` → `{ name: 'park', arg: '' }`; an extension gives `{ extension }` instead. */
  application: { name: string; arg: string } | { extension: string; dialplan: string; context: string };
  callerIdName?: string;
  callerIdNumber?: string;
  timeoutS: number;
}

export type OriginateParse =
  | { ok: true; value: ParsedOriginate }
  /** `reply` is the exact api output FreeSWITCH would give (`-USAGE: ...\n` or `-ERR <CAUSE>\n`). */
  | { ok: false; reply: string };

/**
 * switch_separate_string: split on spaces, single quotes group (and are removed), runs of spaces collapse.
 */
export function separateArguments(text: string): string[] {
  const args: string[] = [];
  let current = '';
  let inQuote = false;
  let started = false;
  for (const ch of text) {
    if (ch === "'") {
      inQuote = !inQuote;
      started = true;
      continue;
    }
    if (ch === ' ' && !inQuote) {
      if (started) args.push(current);
      current = '';
      started = false;
      continue;
    }
    current += ch;
    started = true;
  }
  if (started) args.push(current);
  return args;
}

/** Splits `a=1,b=x\,y` on commas not escaped by a backslash, unescaping `\,`. */
export function splitVariables(text: string): Array<[string, string]> {
  const pairs: Array<[string, string]> = [];
  let current = '';
  const flush = () => {
    if (current === '') return;
    const eq = current.indexOf('=');
    if (eq > 0) pairs.push([current.slice(0, eq).trim(), current.slice(eq + 1)]);
    current = '';
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '\\' && text[i + 1] === ',') {
      current += ',';
      i++;
    } else if (ch === ',') {
      flush();
    } else {
      current += ch;
    }
  }
  flush();
  return pairs;
}

function takeBlock(url: string, open: string, close: string): { block: string; rest: string } | null {
  if (!url.startsWith(open)) return null;
  const end = url.indexOf(close);
  if (end < 0) return null;
  return { block: url.slice(1, end), rest: url.slice(end + 1) };
}

function parseEndpoint(endpoint: string): { gateway: string; number: string } | { error: string } {
  const parts = endpoint.split('/');
  if (parts[0] !== 'sofia') return { error: 'CHAN_NOT_IMPLEMENTED' };
  if (parts[1] === 'gateway') {
    const gateway = parts[2];
    const number = parts.slice(3).join('/');
    if (!gateway || !number) return { error: 'INVALID_GATEWAY' };
    return { gateway, number };
  }
  // sofia/<profile>/<number>[@host]: the host (else the profile) stands for the gateway.
  const profile = parts[1];
  const target = parts.slice(2).join('/');
  if (!profile || !target) return { error: 'INVALID_URL' };
  const at = target.indexOf('@');
  return at < 0
    ? { gateway: profile, number: target }
    : { gateway: target.slice(at + 1), number: target.slice(0, at) };
}

function variable(variables: Array<[string, string]>, name: string): string | undefined {
  for (let i = variables.length - 1; i >= 0; i--) {
    const entry = variables[i];
    if (entry && entry[0] === name) return entry[1];
  }
  return undefined;
}

export function parseOriginate(argument: string | undefined): OriginateParse {
  const usage = { ok: false as const, reply: `-USAGE: ${ORIGINATE_SYNTAX}\n` };
  if (!argument || argument.trim() === '') return usage;
  const argv = separateArguments(argument).map((a) => (a === 'undef' ? '' : a));
  if (argv.length < 2 || argv.length > 7) return usage;
  const [url = '', exten = '', dialplan, context, cidName, cidNumber, timeoutArg] = argv;

  const variables: Array<[string, string]> = [];
  let rest = url;
  const globalBlock = takeBlock(rest, '{', '}');
  if (globalBlock) {
    variables.push(...splitVariables(globalBlock.block));
    rest = globalBlock.rest;
  }
  const legBlock = takeBlock(rest, '[', ']');
  if (legBlock) {
    variables.push(...splitVariables(legBlock.block));
    rest = legBlock.rest;
  }
  const endpoint = parseEndpoint(rest);
  if ('error' in endpoint) return { ok: false, reply: `-ERR ${endpoint.error}\n` };

  let application: ParsedOriginate['application'];
  if (exten.startsWith('&') && exten.length > 1) {
    // mod_commands cuts the application at the first ')' and its argument at the first '('.
    let app = exten.slice(1);
    const close = app.indexOf(')');
    if (close >= 0) app = app.slice(0, close);
    const open = app.indexOf('(');
    application = open >= 0 ? { name: app.slice(0, open), arg: app.slice(open + 1) } : { name: app, arg: '' };
  } else {
    application = { extension: exten, dialplan: dialplan || 'XML', context: context || 'default' };
  }

  const timeoutVar = variable(variables, 'originate_timeout');
  const timeoutText = timeoutVar ?? timeoutArg;
  const parsedTimeout = timeoutText !== undefined && /^\d+$/.test(timeoutText) ? Number(timeoutText) : NaN;
  const timeoutS = parsedTimeout > 0 ? parsedTimeout : DEFAULT_ORIGINATE_TIMEOUT_S;

  const value: ParsedOriginate = {
    variables,
    endpoint: rest,
    gateway: endpoint.gateway,
    number: endpoint.number,
    application,
    timeoutS,
  };
  const name = variable(variables, 'origination_caller_id_name') ?? (cidName || undefined);
  const number = variable(variables, 'origination_caller_id_number') ?? (cidNumber || undefined);
  if (name !== undefined) value.callerIdName = name;
  if (number !== undefined) value.callerIdNumber = number;
  return { ok: true, value };
}
