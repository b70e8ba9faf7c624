// The hub's public API, called with the signed-in key. Nothing here is private to the console: every call is one a
// curl user could make with the same key (docs/api.md).

const keyStorage = 'aignehub.key';

export function storedKey(): string | null {
  return sessionStorage.getItem(keyStorage);
}

export function storeKey(key: string | null): void {
  if (key) sessionStorage.setItem(keyStorage, key);
  else sessionStorage.removeItem(keyStorage);
}

/** A refusal or failure of the hub, with the hub's own message (OpenAI envelope or google.rpc.Status). */
export class ApiError extends Error {
  constructor(public readonly status: number, message: string) {
    super(message);
  }

  /** What went wrong and what to do, for people. */
  get advice(): string {
    switch (this.status) {
      case 401: return 'The hub does not accept this key (401). Sign out and sign in with a valid key.';
      case 402: return `Not enough credits (402): ${this.message}`;
      case 403: return `Not allowed (403): ${this.message}`;
      case 409: return `Someone changed this first (409): ${this.message} Reload and try again.`;
      case 0: return `The hub could not be reached: ${this.message}`;
      default: return `${this.message} (HTTP ${this.status})`;
    }
  }
}

export async function errorOf(response: Response): Promise<ApiError> {
  const text = await response.text().catch(() => '');
  let message = text || response.statusText || 'no details';
  try {
    const body = JSON.parse(text);
    message = body?.error?.message ?? body?.message ?? message;
  } catch {
    // Not JSON: the text itself is the message.
  }
  return new ApiError(response.status, message);
}

export function headers(json = true): Record<string, string> {
  const result: Record<string, string> = { Authorization: `Bearer ${storedKey() ?? ''}` };
  if (json) result['Content-Type'] = 'application/json';
  return result;
}

export async function send(method: string, path: string, body?: unknown, signal?: AbortSignal): Promise<Response> {
  let response: Response;
  try {
    response = await fetch(path, { method, headers: headers(body !== undefined), body: body === undefined ? undefined : JSON.stringify(body), signal });
  } catch (error) {
    if (error instanceof DOMException && error.name === 'AbortError') throw error;
    throw new ApiError(0, String(error));
  }
  if (!response.ok) throw await errorOf(response);
  return response;
}

export async function api<T = any>(method: string, path: string, body?: unknown): Promise<T> {
  const response = await send(method, path, body);
  const text = await response.text();
  return (text ? JSON.parse(text) : {}) as T;
}

export const get = <T = any>(path: string) => api<T>('GET', path);
export const post = <T = any>(path: string, body: unknown = {}) => api<T>('POST', path, body);

export function query(values: Record<string, string | number | undefined | null>): string {
  const parts = Object.entries(values)
    .filter(([, value]) => value !== undefined && value !== null && value !== '')
    .map(([key, value]) => `${encodeURIComponent(key)}=${encodeURIComponent(String(value))}`);
  return parts.length ? `?${parts.join('&')}` : '';
}

/** Who is signed in, and what their key may do: the screens shown follow it. */
export interface Session {
  userId: string;
  name: string;
  role: string;
  scopes: string[];
  creditsMode: boolean;
  creditPrefix: string;
  balance?: string;
}

export async function loadSession(): Promise<Session> {
  const info = await get('/api/hub/user');
  const keyId = /^ahk_([0-9a-f]{16})_/.exec(storedKey() ?? '')?.[1];
  // An OIDC token holds its role's scopes (docs/security.md): members inference, admins and owners every scope.
  let scopes: string[] = info.user.role === 'member' ? ['inference'] : ['inference', 'admin:read', 'admin:write'];
  if (keyId) try {
    const mine = await get<{ keys: { key_id: string; scopes: string[] }[] }>('/api/user/keys');
    scopes = mine.keys.find(key => key.key_id === keyId)?.scopes ?? scopes;
  } catch {
    // A key that may not list its own keys still signs in; it is shown the inference screens.
  }
  return {
    userId: info.user.did,
    name: info.user.fullName,
    role: info.user.role,
    scopes,
    creditsMode: info.enableCredit === true,
    creditPrefix: info.creditPrefix ?? '',
    balance: info.creditBalance?.balance,
  };
}

export function isAdmin(session: Session, write = false): boolean {
  return session.role !== 'member' && session.scopes.includes(write ? 'admin:write' : 'admin:read');
}
