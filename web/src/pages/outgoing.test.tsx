import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { caseIdFor } from '../caseId';
import { SessionProvider } from '../session';
import { directedCase, DIRECTORY_UNITS, FakeApi, LEADER_REF, PEOPLE, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
let api: FakeApi;

function at(path: string) {
  render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

const approvedDraft = {
  draft_id: 'dr1', task_id: 't1', file: { file_id: 'f9', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' },
  uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'approved', supersedes: null,
  review_note: null, reviewed_by: null, approved_by: LEADER_REF, returned_by: null,
};

const outgoingDoc = {
  id: 'out1', kind: 'outgoing', status: 'registered', agency_code: '000.00.00.G22', number: 12, year: 2026, registered_at: '2026-12-01T02:00:00Z',
  registered_by: { user_id: 'vanthu1', full_name: 'Đặng Thị Lan' }, channel: 'electronic', code_number: '12', code_notation: 'UBND-KH', issued_date: '2026-12-01', place: 'Hà Nội',
  files: [], ocr: {}, signatures: {}, send_requested_to: ['000.00.00.G09', '000.00.00.G10'],
  metadata: {
    document_type: 'official_letter', subject: 'V/v trả lời', signer: { position: 'Giám đốc', full_name: 'Nguyễn Văn An' }, urgency: 'normal', confidentiality: 'normal',
    recipients: [{ agency_code: '000.00.00.G09', name: 'Bộ Nội vụ' }, { agency_code: '000.00.00.G10', name: 'Bộ Tài chính' }, { unit_id: 'phong-tai-chinh', name: 'Phòng Tài chính' }],
  },
  recipient_statuses: [
    { agency_code: '000.00.00.G09', name: 'Bộ Nội vụ', label: 'Đang xử lý', error: false, delivery: { state: 'acknowledged', label: 'Hệ thống của nơi nhận đã nhận văn bản', reason: null, attempt: 1, at: '2026-12-01T02:05:00Z' }, processing: { status_code: '05', label: 'Đang xử lý', description: null, at: '2026-12-01T03:00:00Z' }, history: [] },
    { agency_code: '000.00.00.G10', name: 'Bộ Tài chính', label: 'Từ chối tiếp nhận', error: true, delivery: { state: 'acknowledged', label: 'Hệ thống của nơi nhận đã nhận văn bản', reason: null, attempt: 1, at: null }, processing: { status_code: '02', label: 'Từ chối tiếp nhận', description: null, at: '2026-12-01T04:00:00Z' }, history: [] },
  ],
};

beforeEach(() => {
  sessionStorage.clear();
  api = new FakeApi().on('GET /api/routing/directory/units', DIRECTORY_UNITS).install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe('issuing an outgoing document from an approved draft', () => {
  it("offers the clerk the approved drafts on the incoming document's page", async () => {
    signedInAs(PEOPLE.clerk);
    const caseId = await caseIdFor('000.00.00.G22', 'doc1');
    api.on('GET /api/intake/v1/documents/doc1', { ...outgoingDoc, id: 'doc1', kind: 'incoming', arrival_number: 7, recipient_statuses: undefined, send_requested_to: undefined, metadata: { ...outgoingDoc.metadata, code_number: '5', code_notation: 'BNV', issuer: { name: 'Bộ Nội vụ' } } });
    api.on(`GET /api/routing/cases/${caseId}`, directedCase({ case_id: caseId, drafts: [approvedDraft] }));
    at('/van-ban/doc1');
    const work = await screen.findByRole('region', { name: 'Tình hình xử lý' }, { timeout: 5000 });
    expect((await within(work).findByRole('link', { name: 'Phát hành văn bản đi từ dự thảo này' })).getAttribute('href')).toBe(`/van-ban-di/phat-hanh?case=${caseId}&draft=dr1`);
  });

  it('reserves the number for the approved draft first, then issues the signed PDF under it', async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/routing/cases/c1', directedCase({ drafts: [approvedDraft] }));
    api.on('POST /api/intake/v1/outgoing-documents/numbers', { reservation_id: 'out1', draft_id: 'dr1', notation: '12/UBND-KH', issued_date_text: 'Hà Nội, ngày 01 tháng 12 năm 2026', status: 'reserved' });
    api.on('POST /api/intake/v1/outgoing-documents', outgoingDoc);
    api.on('GET /api/intake/v1/documents/out1', outgoingDoc);
    at('/van-ban-di/phat-hanh?case=c1&draft=dr1');
    await settle();

    expect(screen.getByRole('region', { name: 'Từ dự thảo đã duyệt' }).textContent).toContain('du-thao.pdf');
    expect(screen.getByRole('list', { name: 'Cơ quan nhận' }).textContent).toContain('Bộ Nội vụ (000.00.00.G09)');
    expect(screen.queryByLabelText('Bản gốc đã ký số (PDF)')).toBeNull(); // signed only once numbered
    fireEvent.click(screen.getByRole('checkbox', { name: 'Phòng Tài chính' }));
    fireEvent.change(screen.getByLabelText('Mã định danh cơ quan nhận'), { target: { value: '000.00.00.G10' } });
    fireEvent.change(screen.getByLabelText('Tên cơ quan nhận'), { target: { value: 'Bộ Tài chính' } });
    fireEvent.click(screen.getByRole('button', { name: 'Thêm cơ quan nhận' }));
    fireEvent.change(screen.getByLabelText('Viết tắt tên cơ quan'), { target: { value: 'UBND' } });
    fireEvent.change(screen.getByLabelText('Viết tắt đơn vị soạn thảo'), { target: { value: 'KH' } });
    fireEvent.change(screen.getByLabelText('Địa danh'), { target: { value: 'Hà Nội' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Cấp số văn bản' })));

    const [reserve] = api.sent('POST /api/intake/v1/outgoing-documents/numbers');
    expect(reserve.body).toMatchObject({
      draft_id: 'dr1',
      agency_abbreviation: 'UBND',
      place: 'Hà Nội',
      metadata: {
        document_type: 'official_letter',
        subject: 'V/v trả lời văn bản: Về việc tổng kết công tác văn thư',
        signer: { full_name: 'Nguyễn Văn An', position: 'Giám đốc' },
        drafting_unit_abbreviation: 'KH',
        reply_to: ['doc1'],
        recipients: [
          { unit_id: 'phong-tai-chinh', name: 'Phòng Tài chính' },
          { agency_code: '000.00.00.G09', name: 'Bộ Nội vụ' },
          { agency_code: '000.00.00.G10', name: 'Bộ Tài chính' },
        ],
      },
    });
    const numbered = screen.getByRole('region', { name: 'Số đã cấp' });
    expect(numbered.textContent).toContain('Số, ký hiệu: 12/UBND-KH');
    expect(numbered.textContent).toContain('Hà Nội, ngày 01 tháng 12 năm 2026');
    expect((screen.getByLabelText('Viết tắt tên cơ quan') as HTMLInputElement).closest('fieldset')?.disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Bản gốc đã ký số (PDF)'), { target: { files: [new File(['%PDF'], 'ban-ky-so.pdf', { type: 'application/pdf' })] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Phát hành và gửi' })));
    const [issued] = api.sent('POST /api/intake/v1/outgoing-documents');
    expect(issued.form?.get('reservation_id')).toBe('out1');
    expect(issued.form?.get('metadata')).toBeNull();
    await settle();
    expect(screen.getByRole('status').textContent).toBe('Đã phát hành văn bản số 12/UBND-KH.');
  });

  it('says at the file when the signed PDF does not show the reserved number', async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/routing/cases/c1', directedCase({ drafts: [approvedDraft] }));
    api.on('POST /api/intake/v1/outgoing-documents/numbers', { reservation_id: 'out1', draft_id: 'dr1', notation: '12/UBND-KH', issued_date_text: 'ngày 01 tháng 12 năm 2026', status: 'reserved' });
    api.on('POST /api/intake/v1/outgoing-documents', { detail: [{ loc: ['file'], msg: 'văn bản ký số không ghi số, ký hiệu đã cấp 12/UBND-KH', field: 'file' }] }, 422);
    at('/van-ban-di/phat-hanh?case=c1&draft=dr1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Cấp số văn bản' })));
    fireEvent.change(screen.getByLabelText('Bản gốc đã ký số (PDF)'), { target: { files: [new File(['%PDF'], 'a.pdf', { type: 'application/pdf' })] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Phát hành và gửi' })));
    expect(screen.getByLabelText('Bản gốc đã ký số (PDF)').closest('.field')?.textContent).toContain('văn bản ký số không ghi số, ký hiệu đã cấp 12/UBND-KH');
  });

  it('numbers a signed original without a draft as it is uploaded', async () => {
    signedInAs(PEOPLE.clerk);
    api.on('POST /api/intake/v1/outgoing-documents', outgoingDoc);
    api.on('GET /api/intake/v1/documents/out1', outgoingDoc);
    at('/van-ban-di/phat-hanh');
    await settle();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Phòng Kế hoạch' }));
    fireEvent.change(screen.getByLabelText('Viết tắt tên cơ quan'), { target: { value: 'UBND' } });
    fireEvent.change(screen.getByLabelText('Bản gốc đã ký số (PDF)'), { target: { files: [new File(['%PDF'], 'a.pdf', { type: 'application/pdf' })] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Cấp số và gửi' })));
    const [sent] = api.sent('POST /api/intake/v1/outgoing-documents');
    expect(JSON.parse(String(sent.form?.get('metadata')))).toMatchObject({ recipients: [{ unit_id: 'phong-ke-hoach', name: 'Phòng Kế hoạch' }], reply_to: [] });
    expect(sent.form?.get('agency_abbreviation')).toBe('UBND');
  });

  it("shows intake's refusal at its field", async () => {
    signedInAs(PEOPLE.clerk);
    api.on('POST /api/intake/v1/outgoing-documents', { detail: [{ loc: ['metadata', 'signer', 'position'], msg: 'is required', field: 'metadata.signer.position' }] }, 422);
    at('/van-ban-di/phat-hanh');
    await settle();
    fireEvent.click(screen.getByRole('checkbox', { name: 'Phòng Kế hoạch' }));
    fireEvent.change(screen.getByLabelText('Bản gốc đã ký số (PDF)'), { target: { files: [new File(['%PDF'], 'a.pdf', { type: 'application/pdf' })] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Cấp số và gửi' })));
    expect(screen.getByLabelText('Chức vụ người ký').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Bắt buộc nhập.')).toBeTruthy();
  });

  it('refuses to send without a recipient or the signed original', async () => {
    signedInAs(PEOPLE.clerk);
    at('/van-ban-di/phat-hanh');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Cấp số và gửi' })));
    expect(screen.getByText('Chọn ít nhất một nơi nhận.')).toBeTruthy();
    expect(screen.getByText('Đính kèm bản gốc đã ký số (PDF).')).toBeTruthy();
    expect(api.sent('POST /api/intake/v1/outgoing-documents')).toHaveLength(0);
  });
});

describe('an outgoing document', () => {
  it("shows each recipient's status in Vietnamese, a refusal marked as needing action", async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/intake/v1/documents/out1', outgoingDoc);
    at('/van-ban/out1');
    await settle();
    const table = screen.getByRole('region', { name: 'Nơi nhận và trạng thái' });
    const home = within(table).getByRole('row', { name: /Bộ Nội vụ/ });
    expect(home.textContent).toContain('Đang xử lý');
    expect(home.textContent).toContain('Gửi đi: Hệ thống của nơi nhận đã nhận văn bản');
    expect(within(table).getByRole('row', { name: /Bộ Tài chính/ }).className).toBe('status-error');
    expect(within(table).getByRole('row', { name: /Phòng Tài chính/ }).textContent).toContain('Gửi nội bộ');
  });
});

describe('the registers', () => {
  it('lists the period and shows the printed register from intake', async () => {
    signedInAs(PEOPLE.clerk);
    vi.stubGlobal('URL', Object.assign(URL, { createObjectURL: () => 'blob:so-den', revokeObjectURL: () => {} }));
    api.on('GET /api/intake/v1/documents', { items: [{ ...outgoingDoc, id: 'doc1', kind: 'incoming', arrival_number: 7, metadata: { ...outgoingDoc.metadata, subject: 'Về việc A', issuer: { name: 'Bộ Nội vụ' } } }], total: 1, offset: 0, limit: 200 });
    api.on('GET /api/intake/v1/registers/incoming.pdf', () => new Response('%PDF-1.4', { status: 200, headers: { 'Content-Type': 'application/pdf' } }));
    at('/so-dang-ky');
    await settle();
    fireEvent.change(screen.getByLabelText('Từ ngày'), { target: { value: '2026-11-01' } });
    fireEvent.change(screen.getByLabelText('Đến ngày'), { target: { value: '2026-11-30' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Xem sổ' })));

    expect(api.calls.find((c) => c.path.endsWith('/incoming.pdf'))?.url).toBe('/api/intake/v1/registers/incoming.pdf?from=2026-11-01&to=2026-11-30');
    const shown = screen.getByRole('region', { name: 'Sổ đăng ký văn bản đến từ 01/11/2026 đến 30/11/2026' });
    expect(within(shown).getByRole('link', { name: 'Tải sổ (PDF)' }).getAttribute('href')).toBe('blob:so-den');
    expect(within(shown).getByRole('row', { name: /Về việc A/ }).textContent).toContain('Bộ Nội vụ');
  });

  it("says at the field when intake refuses the period", async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/intake/v1/documents', { items: [], total: 0, offset: 0, limit: 200 });
    api.on('GET /api/intake/v1/registers/incoming.pdf', { detail: [{ loc: ['to'], msg: "is before 'from'", field: 'to' }] }, 422);
    at('/so-dang-ky');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Xem sổ' })));
    expect(screen.getByLabelText('Đến ngày').getAttribute('aria-invalid')).toBe('true');
  });
});
