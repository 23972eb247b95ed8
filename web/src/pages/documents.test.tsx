import { cleanup, render, screen } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import type { DocumentPage, IntakeDocument } from '../api/types';

const CLERK = {
  token: 't',
  person: { user_id: 'vanthu1', agency_code: '000.00.00.G22', full_name: 'Đặng Thị Lan', roles: ['clerk'] },
};

// A number intake voided because its document was never stored (as intake's GET /v1/documents
// answers it): it has no metadata.
const VOID_NUMBER: IntakeDocument = {
  id: 'void-incoming-2026-4',
  kind: 'incoming',
  status: 'void',
  agency_code: '000.00.00.G22',
  register: 'incoming',
  year: 2026,
  number: 4,
  registered_at: '2026-12-01T08:00:00+00:00',
  registered_by: { user_id: 'system', full_name: 'Hệ thống' },
  channel: null,
  metadata: null,
  files: [],
  ocr: {},
  signatures: {},
  arrival_number: 4,
  arrival_year: 2026,
  void_reason: 'số đã cấp nhưng văn bản chưa được lưu',
  voided_at: '2026-12-01T08:00:00+00:00',
};

function json(body: unknown, status = 200) {
  return new Response(JSON.stringify(body), { status, headers: { 'Content-Type': 'application/json' } });
}

beforeEach(() => sessionStorage.clear());
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('the incoming documents list', () => {
  it('shows a number voided before its document was stored, marked void', async () => {
    sessionStorage.setItem('vanthu.session', JSON.stringify(CLERK));
    const page: DocumentPage = { items: [VOID_NUMBER], total: 1, offset: 0, limit: 25 };
    vi.stubGlobal('fetch', vi.fn(async () => json(page)));
    render(
      <SessionProvider>
        <MemoryRouter initialEntries={['/van-ban-den']}>
          <App />
        </MemoryRouter>
      </SessionProvider>,
    );

    expect(await screen.findByText('Đã hủy')).toBeTruthy();
    expect(screen.getByRole('cell', { name: '4' })).toBeTruthy();
  });
});
