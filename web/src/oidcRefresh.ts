// Keeps an OIDC session's access token fresh while the person works: a minute before it runs out
// it is renewed with the refresh token. Idleness still ends the session (session.tsx): renewing
// does not count as activity.

import { useEffect } from 'react';
import { refreshed, secondsLeft } from './oidc';
import { useSession } from './session';

export function useOidcRefresh(): void {
  const { session, renew, signOut } = useSession();
  const token = session?.token;
  useEffect(() => {
    if (!token || !sessionStorage.getItem('vanthu.oidc.tokens')) return undefined;
    const wait = Math.max(0, (secondsLeft(token) - 60) * 1000);
    const timer = window.setTimeout(() => {
      refreshed()
        .then((next) => next && renew(next.token))
        .catch(() => signOut('Phiên đăng nhập đã hết hạn, vui lòng đăng nhập lại.'));
    }, wait);
    return () => window.clearTimeout(timer);
  }, [token, renew, signOut]);
}
