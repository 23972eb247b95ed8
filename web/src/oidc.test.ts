import { afterEach, describe, expect, it } from 'vitest';
import { challengeOf, completeSignIn, isCallback, sessionOf, signInUrl } from './oidc';
import type { OidcProvider } from './oidc';

const provider: OidcProvider = {
  issuer: 'http://127.0.0.1:8180/realms/vanthu',
  client_id: 'vanthu-web',
  scope: 'openid profile',
  authorization_endpoint: 'http://127.0.0.1:8180/realms/vanthu/protocol/openid-connect/auth',
  token_endpoint: 'http://127.0.0.1:8180/realms/vanthu/protocol/openid-connect/token',
};

function token(claims: object): string {
  const part = (o: object) => btoa(String.fromCharCode(...new TextEncoder().encode(JSON.stringify(o)))).replace(/=+$/, '');
  return `${part({ alg: 'RS256' })}.${part(claims)}.sig`;
}

afterEach(() => sessionStorage.clear());

describe('sign-in with an OpenID Connect provider', () => {
  it('derives the PKCE challenge as RFC 7636 says: base64url of SHA-256, no padding', async () => {
    // Node's own hash (vitest runs in Node; the app's types know only the browser).
    const nodeCrypto = 'node:crypto';
    const { createHash } = (await import(/* @vite-ignore */ nodeCrypto)) as {
      createHash(a: string): { update(v: string): { digest(e: string): string } };
    };
    for (const verifier of ['dBjftJeZ4CVP-mJ92K1zqklWoauqlOYPFg5XHA3cPT8', 'a'.repeat(43), '~._-0123456789'.repeat(4)]) {
      const expected = createHash('sha256').update(verifier).digest('base64url');
      expect(await challengeOf(verifier)).toBe(expected);
    }
  });

  it('sends the person to the provider with the challenge, never the verifier', async () => {
    const url = new URL(await signInUrl(provider));
    const pending = JSON.parse(sessionStorage.getItem('vanthu.oidc.pending')!);
    expect(url.origin + url.pathname).toBe(provider.authorization_endpoint);
    expect(url.searchParams.get('code_challenge_method')).toBe('S256');
    expect(url.searchParams.get('code_challenge')).toBe(await challengeOf(pending.verifier));
    expect(url.toString()).not.toContain(pending.verifier);
    expect(url.searchParams.get('state')).toBe(pending.state);
    expect(isCallback(`?code=abc&state=${pending.state}`)).toBe(true);
  });

  it('refuses a return whose state is not the one it sent', async () => {
    await signInUrl(provider);
    await expect(completeSignIn('?code=abc&state=forged')).rejects.toThrow('state');
  });

  it('reads the person from the token the way the services do', () => {
    const session = sessionOf(
      token({ preferred_username: 'vanthu1', sub: 'uuid', name: 'Đặng Thị Lan', agency: '000.00.00.G22', unit: 'van-phong', roles: ['clerk', 'offline_access'] }),
    );
    expect(session.person).toEqual({
      user_id: 'vanthu1',
      agency_code: '000.00.00.G22',
      full_name: 'Đặng Thị Lan',
      unit_id: 'van-phong',
      roles: ['clerk'],
    });
  });
});
