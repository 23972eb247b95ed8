import { act, cleanup, fireEvent, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { ApiError } from '../api/client';
import { directionBody } from './CasePage';
import { metadataOf, problemsByField, RegisterIncoming } from './RegisterIncoming';

const CLERK = {
  token: 't',
  person: { user_id: 'vanthu1', agency_code: '000.00.00.G22', full_name: 'Đặng Thị Lan', roles: ['clerk'] },
};

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
  vi.useRealTimers();
});

describe('the registration form', () => {
  it('sends the ND 30 fields as nested metadata, leaving out what is blank', () => {
    expect(metadataOf({ 'issuer.name': 'Bộ Nội vụ', 'issuer.agency_code': '', page_count: '2', subject: ' Về việc A ' })).toEqual({
      issuer: { name: 'Bộ Nội vụ' },
      page_count: 2,
      subject: 'Về việc A',
    });
  });

  it("shows each of the API's validation messages at its field", async () => {
    vi.stubGlobal(
      'fetch',
      vi.fn(async () =>
        json(
          {
            detail: [
              { loc: ['metadata', 'subject'], msg: 'must not be empty', field: 'metadata.subject' },
              { loc: ['metadata', 'signer', 'full_name'], msg: 'is required', field: 'metadata.signer.full_name' },
            ],
          },
          422,
        ),
      ),
    );
    render(
      <SessionProvider>
        <MemoryRouter>
          <RegisterIncoming />
        </MemoryRouter>
      </SessionProvider>,
    );
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Đăng ký' })));

    expect(screen.getByLabelText('Trích yếu').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Không được để trống.')).toBeTruthy();
    expect(screen.getByLabelText('Họ tên người ký').getAttribute('aria-describedby')).toContain('e-signer.full_name');
    expect(screen.getByText('Bắt buộc nhập.')).toBeTruthy();
  });

  it('puts a problem without a known field above the form', () => {
    const error = new ApiError(403, null, [{ field: '', message: 'vanthu1 is not in the directory of 000.00.00.G22' }]);
    expect(problemsByField(error).general[0]).toMatch(/không có trong danh bạ/);
  });

  it('offers a link to the existing document and "register anyway" with a reason on a duplicate', async () => {
    vi.stubGlobal('fetch', vi.fn(async () => json({ detail: 'dup', existing_id: 'doc-1', same: 'file content' }, 409)));
    render(
      <SessionProvider>
        <MemoryRouter>
          <RegisterIncoming />
        </MemoryRouter>
      </SessionProvider>,
    );
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Đăng ký' })));

    expect(screen.getByRole('link', { name: 'Xem văn bản đã đăng ký' }).getAttribute('href')).toBe('/van-ban/doc-1');
    const anyway = screen.getByRole('button', { name: 'Vẫn đăng ký' }) as HTMLButtonElement;
    expect(anyway.disabled).toBe(true);
    fireEvent.change(screen.getByLabelText('Lý do vẫn đăng ký'), { target: { value: 'Bản sao có dấu khác' } });
    expect(anyway.disabled).toBe(false);
  });
});

describe('the direction form', () => {
  it('sends one lead unit, the coordinating units with the deadline and units for information', () => {
    expect(
      directionBody({ lead: 'kh', coordinating: ['tc', 'kh'], information: ['vp'], due: '2026-12-01', text: ' Giao KH ' }, 'd1'),
    ).toEqual({
      decision_id: 'd1',
      text: 'Giao KH',
      assignments: [
        { unit_id: 'kh', role: 'lead', due_date: '2026-12-01' },
        { unit_id: 'tc', role: 'coordinating', due_date: '2026-12-01' },
        { unit_id: 'vp', role: 'information' },
      ],
    });
  });
});

describe('the session', () => {
  it('ends after 15 minutes without activity and returns to the sign-in page', async () => {
    vi.useFakeTimers();
    sessionStorage.setItem('vanthu.session', JSON.stringify(CLERK));
    vi.stubGlobal('fetch', vi.fn(async () => json({ items: [], total: 0, offset: 0, limit: 25 })));
    render(
      <SessionProvider>
        <MemoryRouter initialEntries={['/van-ban-den']}>
          <App />
        </MemoryRouter>
      </SessionProvider>,
    );
    expect(screen.getByText('Đặng Thị Lan')).toBeTruthy();

    await act(async () => vi.advanceTimersByTime(14 * 60 * 1000));
    fireEvent.keyDown(window, { key: 'a' });
    await act(async () => vi.advanceTimersByTime(14 * 60 * 1000));
    expect(screen.queryByRole('heading', { name: 'Đăng nhập' })).toBeNull();

    await act(async () => vi.advanceTimersByTime(60 * 1000 + 5000));
    expect(screen.getByRole('heading', { name: 'Đăng nhập' })).toBeTruthy();
    expect(screen.getByText(/kết thúc sau 15 phút không thao tác/)).toBeTruthy();
    expect(sessionStorage.getItem('vanthu.session')).toBeNull();
  });
});
