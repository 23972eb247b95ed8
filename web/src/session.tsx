// Who is signed in, their token, and the 15-minute idle limit after which the session ends.

import { createContext, useCallback, useContext, useEffect, useMemo, useRef, useState } from 'react';
import type { ReactNode } from 'react';
import { useToken } from './api/client';

export interface Person {
  user_id: string;
  agency_code: string;
  full_name: string;
  position?: string | null;
  unit_id?: string | null;
  roles: string[];
}

export interface Session {
  token: string;
  person: Person;
}

interface SessionState {
  session: Session | null;
  /** Why the last session ended, shown on the sign-in page. */
  endedBecause: string | null;
  signIn(session: Session): void;
  /** A new token for the same person (an OIDC refresh): the idle clock is not reset by it. */
  renew(token: string): void;
  signOut(reason?: string): void;
}

export const IDLE_LIMIT_MS = 15 * 60 * 1000;
const STORAGE_KEY = 'vanthu.session';
/** When the person last did something, kept beside the token so that a reloaded tab (the token
 * survives in sessionStorage) does not bring back a session that went idle meanwhile. */
const ACTIVITY_KEY = 'vanthu.lastActivity';
export const IDLE_MESSAGE = (limitMs: number) =>
  `Phiên làm việc đã kết thúc sau ${Math.round(limitMs / 60000)} phút không thao tác. Vui lòng đăng nhập lại.`;
const ACTIVITY = ['pointerdown', 'keydown', 'wheel', 'touchstart'] as const;

const SessionContext = createContext<SessionState | null>(null);

function stored(): Session | null {
  try {
    const raw = sessionStorage.getItem(STORAGE_KEY);
    return raw ? (JSON.parse(raw) as Session) : null;
  } catch {
    return null;
  }
}

function idleFor(now: number): number {
  const last = Number(sessionStorage.getItem(ACTIVITY_KEY));
  return last > 0 ? now - last : 0;
}

function forget(): void {
  sessionStorage.removeItem(STORAGE_KEY);
  sessionStorage.removeItem(ACTIVITY_KEY);
  sessionStorage.removeItem('vanthu.oidc.tokens'); // the provider's refresh token (oidc.ts)
}

/** The stored session, unless it went idle while the tab was closed or reloading. */
function restored(idleLimitMs: number): { session: Session | null; endedBecause: string | null } {
  const session = stored();
  if (session && idleFor(Date.now()) >= idleLimitMs) {
    forget();
    return { session: null, endedBecause: IDLE_MESSAGE(idleLimitMs) };
  }
  return { session, endedBecause: null };
}

export function SessionProvider({ children, idleLimitMs = IDLE_LIMIT_MS }: { children: ReactNode; idleLimitMs?: number }) {
  const [initial] = useState(() => restored(idleLimitMs));
  const [session, setSession] = useState<Session | null>(initial.session);
  const [endedBecause, setEndedBecause] = useState<string | null>(initial.endedBecause);
  const lastActivity = useRef(Date.now());

  const signOut = useCallback((reason?: string) => {
    forget();
    useToken(null);
    setSession(null);
    setEndedBecause(reason ?? null);
  }, []);

  const signIn = useCallback((next: Session) => {
    sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
    lastActivity.current = Date.now();
    sessionStorage.setItem(ACTIVITY_KEY, String(lastActivity.current));
    setEndedBecause(null);
    setSession(next);
  }, []);

  const renew = useCallback((token: string) => {
    setSession((current) => {
      if (!current) return current;
      const next = { ...current, token };
      sessionStorage.setItem(STORAGE_KEY, JSON.stringify(next));
      return next;
    });
  }, []);

  // Set synchronously during render so that children's first requests carry the token.
  useToken(session?.token ?? null, () => signOut('Phiên làm việc đã hết hạn, vui lòng đăng nhập lại.'));

  useEffect(() => {
    if (!session) return undefined;
    lastActivity.current = Date.now() - idleFor(Date.now());
    const touch = () => {
      lastActivity.current = Date.now();
      sessionStorage.setItem(ACTIVITY_KEY, String(lastActivity.current));
    };
    ACTIVITY.forEach((name) => window.addEventListener(name, touch, { passive: true }));
    const check = window.setInterval(() => {
      if (Date.now() - lastActivity.current >= idleLimitMs) {
        signOut(IDLE_MESSAGE(idleLimitMs));
      }
    }, Math.min(idleLimitMs, 5000));
    return () => {
      ACTIVITY.forEach((name) => window.removeEventListener(name, touch));
      window.clearInterval(check);
    };
  }, [session, idleLimitMs, signOut]);

  const value = useMemo(
    () => ({ session, endedBecause, signIn, renew, signOut }),
    [session, endedBecause, signIn, renew, signOut],
  );
  return <SessionContext.Provider value={value}>{children}</SessionContext.Provider>;
}

export function useSession(): SessionState {
  const state = useContext(SessionContext);
  if (!state) throw new Error('useSession outside SessionProvider');
  return state;
}

export function hasRole(session: Session | null, ...roles: string[]): boolean {
  return !!session && session.person.roles.some((r) => roles.includes(r));
}
