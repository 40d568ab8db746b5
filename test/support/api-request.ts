/** A call to the API and what it answered: the status and the body, parsed when it is JSON. */
export interface ApiAnswer<T> {
  status: number;
  body: T;
}

/**
 * One authenticated call to the API, as the e2e harness and the benchmarks make them. An object body is
 * sent as JSON; a string body as is, with `contentType` (a CSV upload). A JSON answer is parsed; CSV and
 * other text answers stay as they are.
 */
export async function apiRequest<T = unknown>(
  target: { apiUrl: string; apiKey: string },
  method: string,
  route: string,
  body?: unknown,
  contentType?: string,
): Promise<ApiAnswer<T>> {
  const headers: Record<string, string> = { authorization: `Bearer ${target.apiKey}` };
  let payload: string | undefined;
  if (body !== undefined) {
    headers['content-type'] = contentType ?? 'application/json';
    payload = typeof body === 'string' ? body : JSON.stringify(body);
  }
  const res = await fetch(`${target.apiUrl}${route}`, { method, headers, body: payload });
  const text = await res.text();
  let parsed: unknown = text;
  try {
    parsed = JSON.parse(text);
  } catch {
    // Not JSON: CSV or an empty body.
  }
  return { status: res.status, body: parsed as T };
}
