import { act, render, screen } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { LiveBadge, LiveProvider, SseParser, useLiveReload } from './live';

describe('SseParser', () => {
  it('reads events split anywhere across chunks, skips heartbeats and the retry line', () => {
    const parser = new SseParser();
    const text = 'retry: 3000\n\nevent: ready\ndata: {"topics":[]}\n\n: ping\n\nevent: TaskAssigned\ndata: {"subject":"c1"}\n\n';
    const seen = [];
    for (let i = 0; i < text.length; i += 7) seen.push(...parser.feed(text.slice(i, i + 7)));
    expect(seen).toEqual([
      { event: 'ready', data: '{"topics":[]}' },
      { event: 'TaskAssigned', data: '{"subject":"c1"}' },
    ]);
  });
});

function stream(chunks: string[]): Response {
  const body = new ReadableStream<Uint8Array>({
    start(controller) {
      for (const chunk of chunks) controller.enqueue(new TextEncoder().encode(chunk));
      // left open, as the server keeps it
    },
  });
  return new Response(body, { status: 200, headers: { 'Content-Type': 'text/event-stream' } });
}

function Counter({ onReload }: { onReload: () => void }) {
  useLiveReload(onReload, { settleMs: 10, againMs: 10000, fallbackMs: 100000 });
  return <LiveBadge />;
}

describe('LiveProvider', () => {
  afterEach(() => vi.unstubAllGlobals());

  it('opens the stream with the bearer token, says it is live, and reloads a page on an event', async () => {
    const fetched: { url: string; headers: Headers }[] = [];
    vi.stubGlobal('fetch', (url: string, init: RequestInit) => {
      fetched.push({ url, headers: new Headers(init.headers) });
      return Promise.resolve(stream(['event: ready\ndata: {}\n\n', 'event: TaskAssigned\ndata: {"id":"e1","type":"TaskAssigned","topic":"task.assigned","subject":"c1","time":"t"}\n\n']));
    });
    const reloads = vi.fn();
    render(
      <LiveProvider token={() => 'tok-1'} url="/api/routing/live">
        <Counter onReload={reloads} />
      </LiveProvider>,
    );
    expect(await screen.findByText(/Cập nhật trực tiếp/)).toBeTruthy();
    await act(() => new Promise((r) => setTimeout(r, 80)));
    expect(fetched[0].headers.get('Authorization')).toBe('Bearer tok-1');
    expect(fetched[0].url).toBe('/api/routing/live');
    // `ready` (catch up) and the task settle into one reload
    expect(reloads).toHaveBeenCalledTimes(1);
  });

  it('says the updates are down when the stream is refused', async () => {
    vi.stubGlobal('fetch', () => Promise.resolve(new Response('{}', { status: 401 })));
    render(
      <LiveProvider token={() => 'expired'}>
        <Counter onReload={() => {}} />
      </LiveProvider>,
    );
    expect(await screen.findByText(/Mất kết nối cập nhật trực tiếp/)).toBeTruthy();
  });
});
