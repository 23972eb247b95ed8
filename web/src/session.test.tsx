import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from './App';
import { SessionProvider } from './session';

const CLERK = {
  token: 't',
  person: { user_id: 'vanthu1', agency_code: '000.00.00.G22', full_name: 'Đặng Thị Lan', roles: ['clerk'] },
};
const MINUTE = 60 * 1000;

function renderApp() {
  return render(
    <SessionProvider>
      <MemoryRouter initialEntries={['/van-ban-den']}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

beforeEach(() => {
  sessionStorage.clear();
  vi.useFakeTimers();
  vi.stubGlobal('fetch', vi.fn(async () => new Response(JSON.stringify({ items: [], total: 0, offset: 0, limit: 25 }))));
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('a session left idle', () => {
  it('is not brought back by reloading the tab 15 minutes later', () => {
    sessionStorage.setItem('vanthu.session', JSON.stringify(CLERK));
    sessionStorage.setItem('vanthu.lastActivity', String(Date.now() - 15 * MINUTE - 1000));
    renderApp();

    expect(screen.getByRole('heading', { name: 'Đăng nhập' })).toBeTruthy();
    expect(screen.getByText(/kết thúc sau 15 phút không thao tác/)).toBeTruthy();
    expect(sessionStorage.getItem('vanthu.session')).toBeNull();
  });

  it('keeps counting the idle time it had before a reload', async () => {
    sessionStorage.setItem('vanthu.session', JSON.stringify(CLERK));
    sessionStorage.setItem('vanthu.lastActivity', String(Date.now() - 10 * MINUTE));
    renderApp();
    expect(screen.getByText('Đặng Thị Lan')).toBeTruthy();

    await act(async () => vi.advanceTimersByTime(5 * MINUTE + 5000));
    expect(screen.getByRole('heading', { name: 'Đăng nhập' })).toBeTruthy();
  });

  it('stays open across a reload when the person was active a minute ago', async () => {
    sessionStorage.setItem('vanthu.session', JSON.stringify(CLERK));
    sessionStorage.setItem('vanthu.lastActivity', String(Date.now() - MINUTE));
    renderApp();
    await act(async () => vi.advanceTimersByTime(10 * MINUTE));
    fireEvent.pointerDown(window);
    await act(async () => vi.advanceTimersByTime(10 * MINUTE));
    expect(screen.getByText('Đặng Thị Lan')).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Đăng nhập' })).toBeNull();
  });
});

describe('an administrator', () => {
  it('is not sent to the document lists, which are not theirs (ADR 0008)', async () => {
    sessionStorage.setItem('vanthu.session', JSON.stringify({ token: 't', person: { ...CLERK.person, user_id: 'quantri1', full_name: 'Phan Văn Khoa', roles: ['administrator'] } }));
    render(
      <SessionProvider>
        <MemoryRouter initialEntries={['/']}>
          <App />
        </MemoryRouter>
      </SessionProvider>,
    );
    expect(screen.getByRole('heading', { name: 'Quản trị hệ thống' })).toBeTruthy();
    expect(vi.mocked(fetch)).not.toHaveBeenCalled();
  });
});
