// Calls to the four services on this origin (/api/<service>/...), with the session's bearer token.

export type Service = 'intake' | 'routing' | 'exchange' | 'archive';

/** One problem the API named, led by its field (`metadata.subject`), as intake and routing send. */
export interface FieldProblem {
  field: string;
  message: string;
}

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly body: unknown,
    readonly problems: FieldProblem[],
  ) {
    super(problems.map((p) => (p.field ? `${p.field}: ${p.message}` : p.message)).join('; ') || `HTTP ${status}`);
  }
}

let currentToken: string | null = null;
let onUnauthorized: (() => void) | null = null;

export function useToken(token: string | null, whenRefused?: () => void): void {
  currentToken = token;
  onUnauthorized = whenRefused ?? null;
}

export async function api<T>(service: Service, path: string, init: RequestInit = {}): Promise<T> {
  const headers = new Headers(init.headers);
  if (currentToken && !headers.has('Authorization')) headers.set('Authorization', `Bearer ${currentToken}`);
  if (init.body && typeof init.body === 'string' && !headers.has('Content-Type')) {
    headers.set('Content-Type', 'application/json');
  }
  const response = await fetch(`/api/${service}${path}`, { ...init, headers });
  const text = await response.text();
  const body: unknown = text ? parseJson(text) : null;
  if (!response.ok) {
    if (response.status === 401 && onUnauthorized) onUnauthorized();
    throw new ApiError(response.status, body, problemsOf(body));
  }
  return body as T;
}

/** A file the API answers with (a printed register), fetched with the token so that the browser
 * can show it from a blob: URL in its own PDF viewer. */
export async function apiBlob(service: Service, path: string): Promise<Blob> {
  const headers = new Headers();
  if (currentToken) headers.set('Authorization', `Bearer ${currentToken}`);
  const response = await fetch(`/api/${service}${path}`, { headers });
  if (!response.ok) {
    const text = await response.text();
    const body: unknown = text ? parseJson(text) : null;
    if (response.status === 401 && onUnauthorized) onUnauthorized();
    throw new ApiError(response.status, body, problemsOf(body));
  }
  return response.blob();
}

function parseJson(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

/** The API's `detail` in its shapes: a string led by its field (`file: ...`), FastAPI's list of
 * `{loc, msg}`, intake's `{field, msg}`, or routing's `{message, message_vi}`. */
export function problemsOf(body: unknown): FieldProblem[] {
  const detail = isRecord(body) ? body.detail : body;
  if (typeof detail === 'string') return [splitLeadingField(detail)];
  if (Array.isArray(detail)) {
    return detail.map((item) => {
      if (!isRecord(item)) return { field: '', message: String(item) };
      const loc = Array.isArray(item.loc) ? item.loc.map(String) : [];
      const field =
        typeof item.field === 'string' ? item.field : loc.filter((part) => part !== 'body').join('.');
      return { field, message: String(item.msg ?? '') };
    });
  }
  if (isRecord(detail)) {
    const message = String(detail.message_vi ?? detail.message ?? '');
    return [splitLeadingField(message)];
  }
  return [];
}

function splitLeadingField(text: string): FieldProblem {
  const match = /^([a-z_][a-z0-9_.]*): (.*)$/s.exec(text);
  return match ? { field: match[1], message: match[2] } : { field: '', message: text };
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
