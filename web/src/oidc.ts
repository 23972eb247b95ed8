// Sign-in with the agency's OpenID Connect provider: authorization code with PKCE (RFC 7636), a
// public client, no secret in the browser (ADR 0009). The services tell where the provider is
// (GET /auth/config); the browser goes there, comes back to /dang-nhap with a code, and trades it
// with its one-time verifier for the tokens. The access token is the services' bearer token.

import { ROLES } from './labels';
import type { Session } from './session';

export interface OidcProvider {
  issuer: string;
  client_id: string;
  scope: string;
  authorization_endpoint: string;
  token_endpoint: string;
  end_session_endpoint?: string | null;
}

export interface SignInConfig {
  dev_sign_in: boolean;
  oidc: OidcProvider | null;
}

interface Pending {
  state: string;
  verifier: string;
  provider: OidcProvider;
}

interface Held {
  provider: OidcProvider;
  refresh_token?: string;
  id_token?: string;
}

const PENDING_KEY = 'vanthu.oidc.pending';
const HELD_KEY = 'vanthu.oidc.tokens';
export const CALLBACK_PATH = '/dang-nhap';

function base64url(bytes: Uint8Array): string {
  let text = '';
  bytes.forEach((b) => (text += String.fromCharCode(b)));
  return btoa(text).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

function randomText(size = 32): string {
  return base64url(crypto.getRandomValues(new Uint8Array(size)));
}

export async function challengeOf(verifier: string): Promise<string> {
  const digest = await crypto.subtle.digest('SHA-256', new TextEncoder().encode(verifier));
  return base64url(new Uint8Array(digest));
}

function redirectUri(): string {
  return `${window.location.origin}${CALLBACK_PATH}`;
}

/** The address of the provider's sign-in page for a new attempt (its state and verifier kept). */
export async function signInUrl(provider: OidcProvider): Promise<string> {
  const pending: Pending = { state: randomText(16), verifier: randomText(48), provider };
  sessionStorage.setItem(PENDING_KEY, JSON.stringify(pending));
  const url = new URL(provider.authorization_endpoint);
  url.search = new URLSearchParams({
    client_id: provider.client_id,
    response_type: 'code',
    scope: provider.scope,
    redirect_uri: redirectUri(),
    state: pending.state,
    code_challenge: await challengeOf(pending.verifier),
    code_challenge_method: 'S256',
  }).toString();
  return url.toString();
}

export function isCallback(search: string): boolean {
  const params = new URLSearchParams(search);
  return (params.has('code') || params.has('error')) && params.has('state') && !!sessionStorage.getItem(PENDING_KEY);
}

function claimsOf(token: string): Record<string, unknown> {
  const part = token.split('.')[1] ?? '';
  const json = decodeURIComponent(
    Array.from(atob(part.replace(/-/g, '+').replace(/_/g, '/')), (c) => `%${c.charCodeAt(0).toString(16).padStart(2, '0')}`).join(''),
  );
  return JSON.parse(json) as Record<string, unknown>;
}

/** The person as the services will see him (the same claims: ADR 0009). */
export function sessionOf(accessToken: string): Session {
  const claims = claimsOf(accessToken);
  const roles = Array.isArray(claims.roles) ? claims.roles.filter((r): r is string => typeof r === 'string' && r in ROLES) : [];
  return {
    token: accessToken,
    person: {
      user_id: String(claims.preferred_username ?? claims.sub ?? ''),
      agency_code: String(claims.agency ?? ''),
      full_name: String(claims.name ?? claims.preferred_username ?? ''),
      unit_id: typeof claims.unit === 'string' ? claims.unit : null,
      roles,
    },
  };
}

async function tokenRequest(provider: OidcProvider, form: Record<string, string>): Promise<Record<string, string>> {
  const response = await fetch(provider.token_endpoint, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ client_id: provider.client_id, ...form }).toString(),
  });
  const body = (await response.json().catch(() => ({}))) as Record<string, string>;
  if (!response.ok || !body.access_token) {
    throw new Error(body.error_description || body.error || `HTTP ${response.status}`);
  }
  return body;
}

/** Back from the provider: check the state, trade the code and the verifier for the tokens. */
export async function completeSignIn(search: string): Promise<Session> {
  const pending = JSON.parse(sessionStorage.getItem(PENDING_KEY) ?? 'null') as Pending | null;
  sessionStorage.removeItem(PENDING_KEY);
  const params = new URLSearchParams(search);
  if (!pending || params.get('state') !== pending.state) {
    throw new Error('phiên đăng nhập không khớp (state); hãy đăng nhập lại');
  }
  if (params.get('error')) {
    throw new Error(params.get('error_description') || params.get('error') || 'nhà cung cấp định danh từ chối');
  }
  const tokens = await tokenRequest(pending.provider, {
    grant_type: 'authorization_code',
    code: params.get('code') ?? '',
    redirect_uri: redirectUri(),
    code_verifier: pending.verifier,
  });
  const held: Held = { provider: pending.provider, refresh_token: tokens.refresh_token, id_token: tokens.id_token };
  sessionStorage.setItem(HELD_KEY, JSON.stringify(held));
  return sessionOf(tokens.access_token);
}

function held(): Held | null {
  return JSON.parse(sessionStorage.getItem(HELD_KEY) ?? 'null') as Held | null;
}

/** A new access token before the current one runs out (null when not signed in with OIDC). */
export async function refreshed(): Promise<Session | null> {
  const current = held();
  if (!current?.refresh_token) return null;
  const tokens = await tokenRequest(current.provider, { grant_type: 'refresh_token', refresh_token: current.refresh_token });
  sessionStorage.setItem(HELD_KEY, JSON.stringify({ ...current, refresh_token: tokens.refresh_token ?? current.refresh_token }));
  return sessionOf(tokens.access_token);
}

/** Seconds until a token expires (negative when it has). */
export function secondsLeft(token: string, now = Date.now()): number {
  const exp = Number(claimsOf(token).exp ?? 0);
  return exp - now / 1000;
}

/** Sign-out ends the provider's session too: the address to go to, or null without OIDC. */
export function endSessionUrl(): string | null {
  const current = held();
  sessionStorage.removeItem(HELD_KEY);
  if (!current?.provider.end_session_endpoint) return null;
  const url = new URL(current.provider.end_session_endpoint);
  url.search = new URLSearchParams({
    client_id: current.provider.client_id,
    post_logout_redirect_uri: `${window.location.origin}/`,
    ...(current.id_token ? { id_token_hint: current.id_token } : {}),
  }).toString();
  return url.toString();
}
