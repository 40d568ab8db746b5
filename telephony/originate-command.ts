/**
 * Builds the `originate` argument the dialler sends with `bgapi` (docs/limits.md "`originate`"):
 * `{origination_uuid=…,origination_caller_id_number=…,originate_timeout=…,ignore_early_media=true,…}
 *  sofia/gateway/<gw>/<number> &park()`. Pure; refuses anything the switch would split or misread instead of
 * sending a dial string that dials something else.
 */

export interface OriginateRequest {
  /** Becomes `origination_uuid`: the channel's Unique-ID, chosen by us so a retry can find the call. */
  uuid: string;
  gateway: string;
  destination: string;
  callerIdNumber: string;
  /** `originate_timeout`: how long it may ring before the switch cancels it (NO_ANSWER). */
  timeoutS: number;
  /** Extra channel variables (`sip_h_X-Attempt-Id`, `ori_attempt_id`, ...). */
  variables?: Record<string, string>;
  /** Default `&park()`. */
  application?: string;
}

export class OriginateRequestError extends Error {
  override name = 'OriginateRequestError';
}

/** Variables the builder sets itself; a request may not override them through `variables`. */
const RESERVED = new Set([
  'origination_uuid',
  'origination_caller_id_number',
  'originate_timeout',
  'ignore_early_media',
]);

const VARIABLE_NAME = /^[A-Za-z0-9_.-]+$/;
const GATEWAY = /^[A-Za-z0-9_.-]+$/;
const DESTINATION = /^\+?[0-9A-Za-z*#._-]+$/;
const UUID_LIKE = /^[A-Za-z0-9-]{1,64}$/;

/**
 * A value inside `{...}`: commas escaped as `\,`. Whitespace would split the originate arguments and `}`
 * would end the block early, and quoting rules differ between switch versions, so those are refused.
 */
export function escapeVariableValue(name: string, value: string): string {
  if (/[\s}]/.test(value) || value.includes("'")) {
    throw new OriginateRequestError(
      `variable ${name}: whitespace, quotes and "}" cannot travel in a dial string`,
    );
  }
  return value.replace(/,/g, '\\,');
}

/** The argument of `originate` (what follows `bgapi originate `). */
export function buildOriginateArgument(request: OriginateRequest): string {
  if (!UUID_LIKE.test(request.uuid)) throw new OriginateRequestError(`bad uuid "${request.uuid}"`);
  if (!GATEWAY.test(request.gateway)) throw new OriginateRequestError(`bad gateway "${request.gateway}"`);
  if (!DESTINATION.test(request.destination)) {
    throw new OriginateRequestError(`bad destination "${request.destination}"`);
  }
  if (!Number.isInteger(request.timeoutS) || request.timeoutS <= 0) {
    throw new OriginateRequestError(`timeoutS must be a positive integer, got ${request.timeoutS}`);
  }
  const variables: Array<[string, string]> = [
    ['origination_uuid', request.uuid],
    ['origination_caller_id_number', request.callerIdNumber],
    ['originate_timeout', String(request.timeoutS)],
    // Without it, +OK comes back on 183 early media, before anyone answered (docs/limits.md "`originate`").
    ['ignore_early_media', 'true'],
  ];
  for (const [name, value] of Object.entries(request.variables ?? {})) {
    if (!VARIABLE_NAME.test(name)) throw new OriginateRequestError(`bad variable name "${name}"`);
    if (RESERVED.has(name))
      throw new OriginateRequestError(`variable ${name} is set from the request itself`);
    variables.push([name, value]);
  }
  const block = variables.map(([name, value]) => `${name}=${escapeVariableValue(name, value)}`).join(',');
  const application = request.application ?? '&park()';
  if (application === '' || /[\r\n]/.test(application)) {
    throw new OriginateRequestError('the application must be one line');
  }
  return `{${block}}sofia/gateway/${request.gateway}/${request.destination} ${application}`;
}
