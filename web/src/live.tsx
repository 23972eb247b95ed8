// Live updates (issue 12 "Live"): routing's GET /live streams, as Server-Sent Events, what happens
// in the person's agency — a new document, a task, a decision, a status coming back — with only
// the aggregate's id (runtime/live.py). A page that shows a list reloads it when an event comes,
// through the ordinary routes, which apply every rule of who may see what.
//
// EventSource cannot send the bearer token, so the stream is read with fetch(): one connection
// per signed-in tab, reopened after an error or when the server ends it (every few minutes, so a
// stream never outlives the token that opened it), with the token current at that moment.

import { createContext, useContext, useEffect, useRef, useState } from 'react';
import type { ReactNode } from 'react';

export interface LiveEvent {
  id: string;
  type: string;
  topic: string;
  subject: string;
  time: string;
}

export type LiveState = 'connecting' | 'live' | 'offline';

type Listener = (event: LiveEvent | null) => void;

/** Blocks of an SSE stream as they arrive: `feed` takes text, returns the complete events. */
export class SseParser {
  private buffer = '';

  feed(text: string): { event: string; data: string }[] {
    this.buffer += text.replace(/\r\n?/g, '\n');
    const found: { event: string; data: string }[] = [];
    let end: number;
    while ((end = this.buffer.indexOf('\n\n')) >= 0) {
      const block = this.buffer.slice(0, end);
      this.buffer = this.buffer.slice(end + 2);
      let event = 'message';
      const data: string[] = [];
      for (const line of block.split('\n')) {
        if (line.startsWith(':')) continue; // a heartbeat comment
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
      if (data.length) found.push({ event, data: data.join('\n') });
    }
    return found;
  }
}

interface LiveContextValue {
  state: LiveState;
  enabled: boolean;
  subscribe(listener: Listener): () => void;
}

const LiveContext = createContext<LiveContextValue>({ state: 'offline', enabled: false, subscribe: () => () => {} });

const RETRY_MS = [1000, 3000, 10000, 30000];

/** Keeps the one stream of this tab open while `token()` gives a token. */
export function LiveProvider({ token, children, url = '/api/routing/live', enabled = true }: { token: () => string | null; children: ReactNode; url?: string; enabled?: boolean }) {
  const [state, setState] = useState<LiveState>(enabled ? 'connecting' : 'offline');
  const listeners = useRef(new Set<Listener>());
  const tokenRef = useRef(token);
  tokenRef.current = token;

  useEffect(() => {
    if (!enabled) return undefined;
    const stopped = new AbortController();
    let failures = 0;
    const tell = (event: LiveEvent | null) => listeners.current.forEach((l) => l(event));

    async function once(): Promise<void> {
      const current = tokenRef.current();
      if (!current) throw new Error('no token');
      const response = await fetch(url, { headers: { Authorization: `Bearer ${current}`, Accept: 'text/event-stream' }, signal: stopped.signal });
      if (!response.ok || !response.body) throw new Error(`HTTP ${response.status}`);
      const reader = response.body.pipeThrough(new TextDecoderStream()).getReader();
      const parser = new SseParser();
      for (;;) {
        const { value, done } = await reader.read();
        if (done) return;
        for (const { event, data } of parser.feed(value)) {
          if (event === 'ready') {
            failures = 0;
            setState('live');
            tell(null); // whatever happened while the stream was closed: reload once
          } else if (event === 'lagged') {
            tell(null);
          } else if (event !== 'unavailable') {
            try {
              tell(JSON.parse(data) as LiveEvent);
            } catch {
              tell(null);
            }
          }
        }
      }
    }

    void (async () => {
      while (!stopped.signal.aborted) {
        try {
          await once();
        } catch {
          if (stopped.signal.aborted) return;
          failures += 1;
          setState('offline');
        }
        if (stopped.signal.aborted) return;
        const wait = failures ? RETRY_MS[Math.min(failures - 1, RETRY_MS.length - 1)] : 200;
        await new Promise((resolve) => window.setTimeout(resolve, wait));
        if (failures) setState('connecting');
      }
    })();
    return () => stopped.abort();
  }, [url, enabled]);

  const value = useRef<LiveContextValue>({
    state,
    enabled,
    subscribe(listener) {
      listeners.current.add(listener);
      return () => listeners.current.delete(listener);
    },
  });
  value.current = { ...value.current, state, enabled };
  return <LiveContext.Provider value={value.current}>{children}</LiveContext.Provider>;
}

export function useLiveState(): LiveState {
  return useContext(LiveContext).state;
}

/**
 * Calls `reload` when something happens in the agency (or the stream reopened), at most once per
 * `settleMs`, and once more `againMs` later: a status coming back is on the topic a moment before
 * the service that shows it has taken it in. `fallbackMs`: reload anyway, for when the stream is
 * down.
 */
export function useLiveReload(reload: () => void, { settleMs = 300, againMs = 1500, fallbackMs = 60000 } = {}): void {
  const { subscribe } = useContext(LiveContext);
  const reloadRef = useRef(reload);
  reloadRef.current = reload;
  useEffect(() => {
    const timers = new Set<number>();
    let pending = false;
    const later = (ms: number, run: () => void) => {
      const id = window.setTimeout(() => {
        timers.delete(id);
        run();
      }, ms);
      timers.add(id);
    };
    const unsubscribe = subscribe(() => {
      if (pending) return;
      pending = true;
      later(settleMs, () => {
        pending = false;
        reloadRef.current();
        later(againMs, () => reloadRef.current());
      });
    });
    const fallback = window.setInterval(() => reloadRef.current(), fallbackMs);
    return () => {
      unsubscribe();
      window.clearInterval(fallback);
      timers.forEach((id) => window.clearTimeout(id));
    };
  }, [subscribe, settleMs, againMs, fallbackMs]);
}

/** The header's note: whether lists update by themselves right now. */
export function LiveBadge() {
  const { state, enabled } = useContext(LiveContext);
  if (!enabled) return null;
  const text = state === 'live' ? 'Cập nhật trực tiếp' : state === 'connecting' ? 'Đang kết nối cập nhật trực tiếp…' : 'Mất kết nối cập nhật trực tiếp, đang thử lại';
  return (
    <span className={`live live-${state}`} aria-live="polite" data-live={state}>
      <span aria-hidden="true">●</span> {text}
    </span>
  );
}
