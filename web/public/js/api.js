// The only place that talks to /api/v1. Every call carries `Authorization: Bearer <key>`; a 401 clears
// the key and sends the operator back to the sign-in form.

const KEY = 'ori.apiKey';

export const getKey = () => localStorage.getItem(KEY);
export const setKey = (key) => localStorage.setItem(KEY, key);
export const clearKey = () => localStorage.removeItem(KEY);

export class ApiError extends Error {
  constructor(status, code, message, details = []) {
    super(message);
    this.status = status;
    this.code = code;
    this.details = details;
  }
}

let onUnauthorized = () => {};
/** The router installs this: it shows the sign-in form. */
export function setUnauthorizedHandler(fn) {
  onUnauthorized = fn;
}

async function errorFrom(res) {
  let body = null;
  try {
    body = await res.json();
  } catch {
    // not JSON: fall through to the status line
  }
  const e = body?.error;
  return new ApiError(
    res.status,
    e?.code ?? `http_${res.status}`,
    e?.message ?? body?.message ?? `${res.status} ${res.statusText || 'Request failed'}`,
    Array.isArray(e?.details) ? e.details : [],
  );
}

/**
 * request('GET', '/campaigns') → parsed JSON.
 * opts.json: a body sent as JSON; opts.body + opts.type: a raw body (a CSV File) with its content type;
 * opts.raw: return the Response itself (for streaming downloads).
 */
export async function request(method, path, opts = {}) {
  const key = getKey();
  if (!key) {
    onUnauthorized('Sign in with an API key to continue.');
    throw new ApiError(401, 'unauthorized', 'Not signed in');
  }
  const headers = { Authorization: `Bearer ${key}`, Accept: 'application/json' };
  let body;
  if (opts.json !== undefined) {
    headers['Content-Type'] = 'application/json';
    body = JSON.stringify(opts.json);
  } else if (opts.body !== undefined) {
    headers['Content-Type'] = opts.type ?? 'application/octet-stream';
    body = opts.body;
  }
  let res;
  try {
    res = await fetch(`/api/v1${path}`, { method, headers, body, signal: opts.signal });
  } catch (err) {
    if (err?.name === 'AbortError') throw err;
    throw new ApiError(0, 'network', 'Could not reach the Ori API. Check your connection and try again.');
  }
  if (res.status === 401) {
    const err = await errorFrom(res);
    clearKey();
    onUnauthorized('Your API key was not accepted. Sign in again.');
    throw err;
  }
  if (!res.ok) throw await errorFrom(res);
  if (opts.raw) return res;
  if (res.status === 204) return null;
  const type = res.headers.get('content-type') ?? '';
  return type.includes('json') ? res.json() : res.text();
}

export const api = {
  get: (path, opts) => request('GET', path, opts),
  post: (path, json) => request('POST', path, { json: json ?? {} }),
  patch: (path, json) => request('PATCH', path, { json }),
  del: (path) => request('DELETE', path),
  uploadCsv: (campaignId, file) =>
    request('POST', `/campaigns/${encodeURIComponent(campaignId)}/contacts`, {
      body: file,
      type: 'text/csv',
    }),
};

/** Lists may come bare or wrapped ({items}); accept both. */
export function listOf(answer, ...keys) {
  if (Array.isArray(answer)) return answer;
  for (const k of ['items', 'data', ...keys]) if (Array.isArray(answer?.[k])) return answer[k];
  return [];
}
