// Sign-in at the configured OIDC issuer: the authorization code flow with PKCE (S256), for a public client. The
// token the issuer answers is then used exactly like a pasted key (Authorization: Bearer), and kept for the tab only.

export interface OidcSettings { authority: string; client_id: string; scope: string }

const pending = 'aignehub.oidc';

/** How this hub lets people sign in (GET /console.json): an issuer and the console's client id, or none. */
export async function oidcSettings(): Promise<OidcSettings | null> {
  const response = await fetch('/console.json').catch(() => null);
  if (!response?.ok) return null;
  return (await response.json()).oidc ?? null;
}

function base64url(bytes: Uint8Array): string {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

async function discovery(settings: OidcSettings): Promise<{ authorization_endpoint: string; token_endpoint: string }> {
  const response = await fetch(`${settings.authority}/.well-known/openid-configuration`);
  if (!response.ok) throw new Error(`The sign-in service at ${settings.authority} did not answer (HTTP ${response.status}).`);
  return response.json();
}

const redirectUri = () => `${location.origin}/`;

/** Leaves for the issuer's sign-in page; it sends the browser back to / with a code. */
export async function beginSignIn(settings: OidcSettings): Promise<void> {
  if (!crypto.subtle) throw new Error('Signing in with the issuer needs a secure page (https, or http on localhost / 127.0.0.1).');
  const endpoints = await discovery(settings);
  const verifier = base64url(crypto.getRandomValues(new Uint8Array(32)));
  const challenge = base64url(new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier))));
  const state = base64url(crypto.getRandomValues(new Uint8Array(16)));
  sessionStorage.setItem(pending, JSON.stringify({ verifier, state }));
  const parameters = new URLSearchParams({
    response_type: 'code', client_id: settings.client_id, redirect_uri: redirectUri(), scope: settings.scope,
    state, code_challenge: challenge, code_challenge_method: 'S256',
  });
  location.assign(`${endpoints.authorization_endpoint}?${parameters}`);
}

/** On the way back from the issuer: exchanges the code for a token; null when this page load is not a sign-in answer. */
export async function completeSignIn(settings: OidcSettings | null): Promise<string | null> {
  const answer = new URLSearchParams(location.search);
  if (!answer.has('code') && !answer.has('error')) return null;
  const saved = JSON.parse(sessionStorage.getItem(pending) ?? 'null') as { verifier: string; state: string } | null;
  sessionStorage.removeItem(pending);
  history.replaceState(null, '', '/');
  if (answer.has('error')) throw new Error(`The sign-in service refused: ${answer.get('error_description') ?? answer.get('error')}.`);
  if (!settings || !saved || saved.state !== answer.get('state')) throw new Error('This sign-in answer does not match a sign-in started here: sign in again.');
  const endpoints = await discovery(settings);
  const response = await fetch(endpoints.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'authorization_code', code: answer.get('code')!, redirect_uri: redirectUri(), client_id: settings.client_id, code_verifier: saved.verifier }),
  });
  if (!response.ok) throw new Error(`The sign-in service did not give a token (HTTP ${response.status}): sign in again.`);
  const tokens = await response.json();
  const token = tokens.access_token ?? tokens.id_token;
  if (!token) throw new Error('The sign-in service answered without a token.');
  return token;
}
