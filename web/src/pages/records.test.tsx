import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { FakeApi, PEOPLE, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
let api: FakeApi;
const file = {
  file_id: 'rf-2026-abc', agency_code: '000.00.00.G22', year: 2026, notation: '2026.HS.01', title: 'Hồ sơ kiểm kê tài sản công',
  retention: '10 năm', retention_years: 10, responsible_unit: 'van-phong', status: 'open', document_ids: ['doc1'], withheld_documents: 1,
  opened_on: '2026-11-02', closed_on: null, handover_due_on: null, retention_expires_on: null, handed_over_on: null, disposition: null,
};
const year = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date()).slice(0, 4);

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

describe('the records files', () => {
  it('lists the files with what the person may not see counted, those due for hand-over first', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/records-files', { items: [file] });
    api.on('GET /api/archive/archive/handover-due', { items: [{ ...file, file_id: 'rf-old', notation: '2025.HS.07', title: 'Hồ sơ năm trước', status: 'closed', handover_due_on: '2026-12-20' }] });
    at('/');
    await settle();
    fireEvent.click(within(screen.getByRole('navigation', { name: 'Chức năng' })).getByRole('link', { name: 'Hồ sơ' }));
    await settle();

    const due = screen.getByRole('region', { name: 'Đến hạn nộp lưu' });
    expect(due.textContent).toContain('2025.HS.07 · Hồ sơ năm trước');
    expect(due.textContent).toContain('hạn nộp lưu 20/12/2026');
    const all = screen.getByRole('region', { name: '1 hồ sơ' });
    expect(within(all).getByRole('link', { name: '2026.HS.01 · Hồ sơ kiểm kê tài sản công' }).getAttribute('href')).toBe('/ho-so/rf-2026-abc');
    expect(all.textContent).toContain('Đang lập · bảo quản 10 năm · 1 văn bản (và 1 văn bản bạn không được xem)');
    expect(screen.queryByRole('form', { name: /Lập hồ sơ/ })).toBeNull();
  });

  it("opens a file from the year's plan for the clerk", async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/archive/archive/records-files', { items: [] });
    api.on('GET /api/archive/archive/handover-due', { items: [] });
    api.on(`GET /api/archive/archive/file-plans/${year}`, { agency_code: '000.00.00.G22', year: Number(year), entries: [{ code: 'HS.01', title: 'Hồ sơ kiểm kê', retention: '10 năm', retention_years: 10, responsible_unit: 'van-phong', construction_project: false }] });
    api.on('POST /api/archive/archive/records-files', file);
    api.on('GET /api/archive/archive/records-files/rf-2026-abc', { ...file, members: [] });
    at('/ho-so');
    await settle();
    const form = screen.getByRole('form', { name: `Lập hồ sơ theo danh mục năm ${year}` });
    fireEvent.change(within(form).getByLabelText('Hồ sơ trong danh mục'), { target: { value: 'HS.01' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Lập hồ sơ' })));
    await settle();

    expect(api.sent('POST /api/archive/archive/records-files')[0].body).toEqual({ year: Number(year), code: 'HS.01' });
    expect(screen.getByRole('heading', { name: 'Hồ sơ kiểm kê tài sản công', level: 1 })).toBeTruthy();
  });
});

describe("a records file's page", () => {
  it('files a document, closes the file, and says the archive’s refusal', async () => {
    signedInAs(PEOPLE.clerk);
    let filed = false;
    const member = (id: string, subject: string, ordinal: number) => ({ document_id: id, subject, notation: `${ordinal}/BNV`, received_at: '2026-11-20T01:00:00Z', ordinal });
    api.on('GET /api/archive/archive/records-files/rf-2026-abc', () => (filed
      ? { ...file, document_ids: ['doc1', 'doc2'], members: [member('doc1', 'Báo cáo kiểm kê', 1), member('doc2', 'Kế hoạch thanh lý', 2)] }
      : { ...file, members: [member('doc1', 'Báo cáo kiểm kê', 1)] }));
    api.on('POST /api/archive/archive/records-files/rf-2026-abc/documents', () => ((filed = true), { ...file, document_ids: ['doc1', 'doc2'], ordinal: 2 }));
    api.on('POST /api/archive/archive/records-files/rf-2026-abc/close', { detail: 'records file 2026.HS.01 cannot be closed: it holds no document' }, 409);
    at('/ho-so/rf-2026-abc');
    await settle();
    expect(screen.getByText('Và 1 văn bản mật bạn không được xem.')).toBeTruthy();
    fireEvent.change(screen.getByLabelText('Mã văn bản cần đưa vào hồ sơ'), { target: { value: ' doc2 ' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Đưa vào hồ sơ' })));

    expect(api.sent('POST /api/archive/archive/records-files/rf-2026-abc/documents')[0].body).toEqual({ document_id: 'doc2' });
    const members = screen.getByRole('list', { name: 'Văn bản trong hồ sơ' });
    expect(within(members).getAllByRole('link').map((a) => `${a.textContent} ${a.getAttribute('href')}`)).toEqual(['Báo cáo kiểm kê /tra-cuu/doc1', 'Kế hoạch thanh lý /tra-cuu/doc2']);
    expect(within(members).getAllByRole('listitem')[1].textContent).toBe('Kế hoạch thanh lý · 2/BNV · 20/11/2026');
    expect(screen.getByRole('status').textContent).toBe('Đã đưa văn bản vào hồ sơ.');
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Kết thúc hồ sơ' })));
    expect(screen.getByRole('status').textContent).toBe('Không thực hiện được: records file 2026.HS.01 cannot be closed: it holds no document');
  });

  it('shows the file as it stood at a moment', async () => {
    signedInAs(PEOPLE.auditor);
    api.on('GET /api/archive/archive/records-files/rf-2026-abc', { ...file, status: 'closed', members: [] });
    api.on('GET /api/archive/archive/records-files/rf-2026-abc/state', { file_id: 'rf-2026-abc', as_of: '2026-11-20T03:30:00Z', known: true, revision: 3, revised_at: '2026-11-20T02:00:00Z', file });
    at('/ho-so/rf-2026-abc');
    await settle();
    expect(screen.queryByRole('button', { name: 'Đưa vào hồ sơ' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Thời điểm (giờ Việt Nam)'), { target: { value: '2026-11-20T10:30' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Xem hồ sơ lúc đó' })));

    const asked = new URL(api.sent('GET /api/archive/archive/records-files/rf-2026-abc/state')[0].url, 'http://x');
    expect(asked.searchParams.get('as_of')).toBe('2026-11-20T10:30:00+07:00');
    expect(screen.getByRole('status').textContent).toBe('Lúc 20/11/2026 10:30: Đang lập, 1 văn bản (và 1 văn bản bạn không được xem) (lần cập nhật thứ 3, 20/11/2026 09:00).');
  });
});
