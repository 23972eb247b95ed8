import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { FakeApi, PEOPLE, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
let api: FakeApi;
const hit = {
  document_id: 'doc1', agency_code: '000.00.00.G22', subject: 'Về việc tổng kết công tác văn thư', notation: '15/BNV-VP',
  document_type: { code: null, name: 'Công văn' }, issuer: { name: 'Bộ Nội vụ', agency_code: '000.00.00.G09' }, issued_date: '2026-11-30',
  received_at: '2026-12-01T02:00:00Z', urgency: 'urgent', confidentiality: 'normal', direction: 'incoming', status: 'in_progress',
};

function at(path: string) {
  render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

beforeEach(() => {
  sessionStorage.clear();
  api = new FakeApi().install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the auditor's search", () => {
  it('sends the words as typed, without diacritics, with the filters, and lists what the archive found', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/search', { total: 1, total_is_exact: true, page: 1, page_size: 20, items: [hit] });
    at('/');
    await settle();
    fireEvent.change(screen.getByLabelText('Từ khóa (có thể gõ không dấu)'), { target: { value: 'tong ket van thu' } });
    fireEvent.change(screen.getByLabelText('Độ khẩn'), { target: { value: 'urgent' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tìm kiếm' })));

    const url = new URL(api.calls[0].url, 'http://x');
    expect(url.searchParams.get('q')).toBe('tong ket van thu');
    expect(url.searchParams.get('urgency')).toBe('urgent');
    const results = screen.getByRole('region', { name: '1 văn bản' });
    expect(within(results).getByRole('link', { name: 'Về việc tổng kết công tác văn thư' }).getAttribute('href')).toBe('/tra-cuu/doc1');
    expect(results.textContent).toContain('Văn bản đến · 15/BNV-VP · Công văn · Bộ Nội vụ · ban hành 30/11/2026');
  });

  it('names a copy a copy, not an incoming document', async () => {
    signedInAs(PEOPLE.auditor);
    const copy = { ...hit, document_id: 'copy1', notation: '05/SY-UBND', direction: 'copy', status: 'issued' };
    api.on('GET /api/archive/archive/search', { total: 2, total_is_exact: true, page: 1, page_size: 20, items: [hit, copy] });
    at('/tra-cuu');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tìm kiếm' })));
    const items = within(screen.getByRole('region', { name: '2 văn bản' })).getAllByRole('listitem');
    expect(items[0].textContent).toContain('Văn bản đến · 15/BNV-VP');
    expect(items[1].textContent).toContain('Bản sao · 05/SY-UBND');
  });

  it("shows the archive's refusal of a filter at its field", async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/search', { detail: [{ loc: ['query', 'issued_to'], msg: 'is before issued_from' }] }, 422);
    at('/tra-cuu');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tìm kiếm' })));
    expect(screen.getByLabelText('Ban hành đến ngày').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('is before issued_from')).toBeTruthy();
  });
});

describe("a document's timeline", () => {
  it('lists what happened, marks the proxy entry, and verifies the chains', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/documents/doc1', hit);
    api.on('GET /api/archive/archive/documents/doc1/timeline', {
      document_id: 'doc1',
      entries: [
        { event_id: 'e1', kind: 'registered', occurred_at: '2026-12-01T02:00:00Z', summary: 'Vào sổ văn bản đến số 1/2026', actors: [{ role: 'registered_by', user_id: 'vanthu1', full_name: 'Đặng Thị Lan' }], on_behalf: false },
        { event_id: 'e2', kind: 'decided', occurred_at: '2026-12-01T03:00:00Z', summary: 'Ý kiến của Nguyễn Văn An', actors: [{ role: 'decided_by', user_id: 'lanhdao1', full_name: 'Nguyễn Văn An' }, { role: 'recorded_by', user_id: 'thuky1', full_name: 'Trần Thị Bình' }], on_behalf: true },
      ],
    });
    api.on('GET /api/archive/archive/audit/verify', { intact: true, records_checked: 120, checkpoints_checked: 3, first_broken_record: null, checkpoint_problems: [] });
    at('/tra-cuu/doc1');
    await settle();

    const timeline = screen.getByRole('region', { name: 'Quá trình xử lý' });
    const items = within(timeline).getAllByRole('listitem');
    expect(items[0].textContent).toContain('01/12/2026 09:00 Vào sổ văn bản đến số 1/2026');
    expect(items[1].textContent).toContain('Nhập thay');
    expect(items[1].textContent).toContain('Nguyễn Văn An (quyết định), Trần Thị Bình (nhập)');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Kiểm tra chuỗi băm' })));
    expect(screen.getByRole('status').textContent).toBe('Toàn vẹn: đã kiểm tra 120 bản ghi và 3 điểm kiểm tra đã ký, không có sai lệch.');
  });

  it('says where the chain is broken', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/documents/doc1', hit);
    api.on('GET /api/archive/archive/documents/doc1/timeline', { document_id: 'doc1', entries: [] });
    api.on('GET /api/archive/archive/audit/verify', { intact: false, records_checked: 7, checkpoints_checked: 0, first_broken_record: { topic: 'task.assigned', partition: 2, offset: 41, kind: 'hash', description: 'bản ghi bị sửa' }, checkpoint_problems: [] });
    at('/tra-cuu/doc1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Kiểm tra chuỗi băm' })));
    expect(screen.getByRole('status').textContent).toBe('Phát hiện sai lệch tại task.assigned/2/41: bản ghi bị sửa.');
  });

  it('downloads the archival package of the document', async () => {
    signedInAs(PEOPLE.auditor);
    const clicked: string[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:goi', revokeObjectURL: () => {} }));
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.getAttribute('href')} ${this.download}`);
    });
    api.on('GET /api/archive/archive/documents/doc1', hit);
    api.on('GET /api/archive/archive/documents/doc1/timeline', { document_id: 'doc1', entries: [] });
    api.on('GET /api/archive/archive/documents/doc1/package', () => new Response('PK'.padEnd(3000, 'x'), { headers: { 'Content-Type': 'application/zip' } }));
    at('/tra-cuu/doc1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tải gói lưu trữ' })));
    expect(api.sent('GET /api/archive/archive/documents/doc1/package')).toHaveLength(1);
    expect(screen.queryByRole('alert')?.textContent ?? '').toBe('');
    expect(clicked).toEqual(['blob:goi bag-doc1.zip']);
    const saved = within(screen.getByRole('region', { name: 'Gói lưu trữ' })).getByRole('link', { name: 'bag-doc1.zip' });
    expect(saved.getAttribute('href')).toBe('blob:goi');
    expect(screen.getByRole('region', { name: 'Gói lưu trữ' }).textContent).toContain('(3 KB)');
  });

  it("says the archive's refusal to package a document", async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/documents/doc1', hit);
    api.on('GET /api/archive/archive/documents/doc1/timeline', { document_id: 'doc1', entries: [] });
    api.on('GET /api/archive/archive/documents/doc1/package', { detail: 'document doc1 has no registration in the archive' }, 409);
    at('/tra-cuu/doc1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tải gói lưu trữ' })));
    expect(screen.getByRole('alert').textContent).toBe('Không tạo được gói lưu trữ: document doc1 has no registration in the archive');
    expect(screen.queryByRole('link', { name: 'bag-doc1.zip' })).toBeNull();
  });
});

describe("a document's state as of a moment", () => {
  const state = {
    document_id: 'doc1', as_of: '2026-11-20T03:30:00Z', known: true,
    document: { subject: 'Kế hoạch tổng kiểm kê tài sản công', notation: '15/BNV-VP', document_type: { code: 'CV', name: 'Công văn' }, issuer: { name: 'Bộ Nội vụ', agency_code: null }, issued_date: '2026-11-19', received_at: '2026-11-20T01:00:00Z', urgency: 'normal', confidentiality: 'normal', direction: 'incoming', registered_by: 'vanthu1' },
    status: 'in_progress', status_at: '2026-11-20T03:00:00Z', voided: null,
    decisions: [{ decision_id: 'd1', kind: 'direction', decided_by: { role: 'decided_by', user_id: 'lanhdao1', full_name: 'Nguyễn Văn An' }, recorded_by: { role: 'recorded_by', user_id: 'thuky1', full_name: 'Trần Thị Bình' }, on_behalf: true, decided_at: '2026-11-20T02:00:00Z', text: 'Giao Phòng Tài chính chủ trì' }],
    tasks: [{ task_id: 't1', role: 'lead', unit_id: 'unit-tc', user_id: null, assigned_by: 'lanhdao1', assigned_at: '2026-11-20T03:00:00Z', due_date: '2026-12-01', state: 'assigned', closed_at: null }],
    entries: [],
    computed_from: { records_folded: 3, last_record: { topic: 'task.assigned', partition: 1, offset: 41, hash: '9f2c'.padEnd(64, '0'), recorded_at: '2026-11-20T03:00:01Z' }, heads: [] },
  };

  function opened() {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/documents/doc1', hit);
    api.on('GET /api/archive/archive/documents/doc1/timeline', { document_id: 'doc1', entries: [] });
    at('/tra-cuu/doc1');
  }

  it('asks the archive for the moment typed in Vietnam time and shows what was known then', async () => {
    opened();
    api.on('GET /api/archive/archive/documents/doc1/state', state);
    await settle();
    const section = screen.getByRole('region', { name: 'Trạng thái tại một thời điểm' });
    fireEvent.change(within(section).getByLabelText('Thời điểm (giờ Việt Nam)'), { target: { value: '2026-11-20T10:30' } });
    await act(async () => fireEvent.click(within(section).getByRole('button', { name: 'Xem trạng thái' })));

    const asked = new URL(api.sent('GET /api/archive/archive/documents/doc1/state')[0].url, 'http://x');
    expect(asked.searchParams.get('as_of')).toBe('2026-11-20T10:30:00+07:00');
    const then = within(section).getByRole('region', { name: 'Lúc 20/11/2026 10:30' });
    expect(then.textContent).toContain('Trạng thái: Đang xử lý (từ 20/11/2026 10:00)');
    expect(within(then).getByRole('list', { name: 'Ý kiến chỉ đạo' }).textContent).toBe(
      '20/11/2026 09:00 · Chỉ đạo của Nguyễn Văn An (nhập thay: Trần Thị Bình): Giao Phòng Tài chính chủ trì',
    );
    expect(within(then).getByRole('list', { name: 'Việc đã giao' }).textContent).toBe('Chủ trì: unit-tc · Đã giao · hạn 01/12/2026');
    expect(within(then).getByRole('status').textContent).toBe('Tính từ 3 bản ghi của chuỗi băm; bản ghi cuối: task.assigned/1/41, mã băm 9f2c000000000000….');
  });

  it('says when the archive had not yet registered the document', async () => {
    opened();
    api.on('GET /api/archive/archive/documents/doc1/state', { ...state, known: false, document: null, status: null, status_at: null, decisions: [], tasks: [], computed_from: { records_folded: 0, last_record: null, heads: [] } });
    await settle();
    fireEvent.change(screen.getByLabelText('Thời điểm (giờ Việt Nam)'), { target: { value: '2026-11-20T07:00' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Xem trạng thái' })));
    expect(screen.getByRole('region', { name: 'Lúc 20/11/2026 10:30' }).textContent).toContain('Đến thời điểm này lưu trữ chưa ghi nhận việc vào sổ văn bản.');
  });

  it("shows the archive's refusal of a future moment at the field, in Vietnamese", async () => {
    opened();
    api.on('GET /api/archive/archive/documents/doc1/state', { detail: [{ loc: ['query', 'as_of'], msg: 'is in the future (thời điểm chưa tới)' }] }, 422);
    await settle();
    fireEvent.change(screen.getByLabelText('Thời điểm (giờ Việt Nam)'), { target: { value: '2099-01-01T00:00' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Xem trạng thái' })));
    expect(screen.getByLabelText('Thời điểm (giờ Việt Nam)').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Thời điểm chưa tới.')).toBeTruthy();
    expect(screen.queryByRole('region', { name: /^Lúc / })).toBeNull();
  });
});

describe("the auditor's export", () => {
  it('downloads the whole days of the period asked, in Vietnam time', async () => {
    signedInAs(PEOPLE.auditor);
    const clicked: string[] = [];
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:xuat', revokeObjectURL: () => {} }));
    vi.spyOn(HTMLAnchorElement.prototype, 'click').mockImplementation(function (this: HTMLAnchorElement) {
      clicked.push(`${this.getAttribute('href')} ${this.download}`);
    });
    api.on('GET /api/archive/archive/audit/export', () => new Response('{"format":"vanthu-archive-export/1"}\n', { headers: { 'Content-Type': 'application/x-ndjson' } }));
    at('/tra-cuu');
    await settle();
    const form = screen.getByRole('form', { name: 'Xuất dữ liệu lưu trữ để kiểm tra' });
    fireEvent.change(within(form).getByLabelText('Từ ngày'), { target: { value: '2026-11-01' } });
    fireEvent.change(within(form).getByLabelText('Đến ngày'), { target: { value: '2026-11-30' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Xuất dữ liệu' })));

    const asked = new URL(api.sent('GET /api/archive/archive/audit/export')[0].url, 'http://x');
    expect(asked.searchParams.get('from')).toBe('2026-11-01T00:00:00+07:00');
    expect(asked.searchParams.get('to')).toBe('2026-11-30T23:59:59+07:00');
    expect(clicked).toEqual(['blob:xuat xuat-luu-tru-2026-11-01-2026-11-30.ndjson']);
    expect(within(form).getByRole('status').textContent).toContain('python -m vanthu_archive verify-export xuat-luu-tru-2026-11-01-2026-11-30.ndjson');
  });

  it('is not offered to a clerk', async () => {
    signedInAs(PEOPLE.clerk);
    at('/tra-cuu');
    await settle();
    expect(screen.queryByRole('form', { name: 'Xuất dữ liệu lưu trữ để kiểm tra' })).toBeNull();
  });
});

describe("the auditor's report of one person's actions", () => {
  it('lists what the person did, a masked action counted without its document', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/audit/actions', {
      user_id: 'vanthu1',
      actions: [
        { occurred_at: '2026-11-20T01:00:00Z', document_id: 'doc1', kind: 'registered', roles: ['registered_by'], summary: 'Vào sổ văn bản đến số 1/2026', on_behalf: false, masked: false },
        { occurred_at: '2026-11-20T02:00:00Z', document_id: null, kind: 'registered', roles: ['registered_by'], summary: null, on_behalf: false, masked: true },
      ],
    });
    at('/tra-cuu');
    await settle();
    const form = screen.getByRole('form', { name: 'Hoạt động của một người' });
    fireEvent.change(within(form).getByLabelText('Tên đăng nhập'), { target: { value: 'vanthu1' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Xem hoạt động' })));

    expect(new URL(api.calls.at(-1)!.url, 'http://x').searchParams.get('user_id')).toBe('vanthu1');
    const items = within(screen.getByRole('list', { name: 'Hoạt động của vanthu1' })).getAllByRole('listitem');
    expect(items.map((i) => i.textContent)).toEqual([
      '20/11/2026 08:00 · Vào sổ · Vào sổ văn bản đến số 1/2026',
      '20/11/2026 09:00 · Vào sổ · văn bản mật bạn không được xem',
    ]);
    expect(within(items[0]).getByRole('link').getAttribute('href')).toBe('/tra-cuu/doc1');
  });
});
