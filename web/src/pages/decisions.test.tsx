import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { vietnamToday } from '../dates';
import { SessionProvider } from '../session';
import { directedCase, DIRECTORY_UNITS, FakeApi, LEADER_REF, PEOPLE, signedInAs } from '../testing/fakeApi';

function at(path: string) {
  return render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

const settle = () => act(async () => {});
const awaiting = () => directedCase({ status: 'awaiting_direction', tasks: [], decisions: [] });
let api: FakeApi;
beforeEach(() => {
  sessionStorage.clear();
  api = new FakeApi()
    .on('GET /api/routing/directory/units', DIRECTORY_UNITS)
    .on('GET /api/routing/calendar', { days: [] })
    .install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the secretary's proxy entry of a paper decision", () => {
  it('asks for the scanned slip before anything is sent', async () => {
    signedInAs(PEOPLE.secretary);
    api.on('GET /api/routing/cases/c1', awaiting());
    at('/chi-dao/c1');
    await settle();

    const form = screen.getByRole('form', { name: 'Nhập ý kiến chỉ đạo thay lãnh đạo' });
    expect(form.textContent).toContain('Nguyễn Văn An, Giám đốc');
    fireEvent.change(within(form).getByLabelText('Đơn vị chủ trì'), { target: { value: 'phong-ke-hoach' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Ghi ý kiến chỉ đạo' })));
    expect(within(form).getByRole('alert').textContent).toBe('Hãy đính kèm bản quét phiếu giải quyết văn bản đến.');
    expect(api.sent('POST /api/routing/cases/c1/direction/on-behalf')).toHaveLength(0);
  });

  it("records the leader's direction with the slip and its date, and then shows who typed it in", async () => {
    signedInAs(PEOPLE.secretary);
    api.on('GET /api/routing/cases/c1', awaiting());
    api.on('POST /api/routing/cases/c1/direction/on-behalf', directedCase({}, true));
    at('/chi-dao/c1');
    await settle();

    const form = screen.getByRole('form', { name: 'Nhập ý kiến chỉ đạo thay lãnh đạo' });
    const slip = new File(['%PDF-1.4'], 'phieu-giai-quyet.pdf', { type: 'application/pdf' });
    fireEvent.change(within(form).getByLabelText('Bản quét phiếu giải quyết (PDF, PNG, JPEG, TIFF)'), { target: { files: [slip] } });
    fireEvent.change(within(form).getByLabelText('Ngày ghi trên phiếu'), { target: { value: '2026-11-20' } });
    fireEvent.change(within(form).getByLabelText('Nội dung chỉ đạo'), { target: { value: 'Giao Phòng Kế hoạch chủ trì.' } });
    fireEvent.change(within(form).getByLabelText('Đơn vị chủ trì'), { target: { value: 'phong-ke-hoach' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Ghi ý kiến chỉ đạo' })));

    const [sent] = api.sent('POST /api/routing/cases/c1/direction/on-behalf');
    expect(JSON.parse(String(sent.form?.get('payload')))).toMatchObject({
      decided_by_user_id: 'lanhdao1',
      decided_at: '2026-11-20T00:00:00+07:00',
      text: 'Giao Phòng Kế hoạch chủ trì.',
      assignments: [{ unit_id: 'phong-ke-hoach', role: 'lead' }],
    });
    expect((sent.form?.get('slip') as File).name).toBe('phieu-giai-quyet.pdf');
    expect(screen.getByRole('status').textContent).toBe('Đã nhập ý kiến chỉ đạo của Nguyễn Văn An theo phiếu giải quyết.');
    const recorded = screen.getByRole('region', { name: 'Ý kiến chỉ đạo đã ghi' });
    expect(recorded.textContent).toContain('Nguyễn Văn An, Giám đốc Nhập thay');
    expect(recorded.textContent).toContain('Trần Thị Bình nhập thay theo phiếu giải quyết ngày 20/11/2026 (phieu-giai-quyet.pdf)');
  });

  it("shows the leader the proxy beside his own name on the document's page", async () => {
    signedInAs(PEOPLE.leader);
    api.on('GET /api/routing/cases/c1', directedCase({}, true));
    at('/chi-dao/c1');
    await settle();
    const recorded = screen.getByRole('region', { name: 'Ý kiến chỉ đạo đã ghi' });
    expect(within(recorded).getByText('Nhập thay').getAttribute('title')).toBe('Thư ký nhập thay lãnh đạo (thừa lệnh)');
  });

  it("says routing's refusal of the delegation in Vietnamese", async () => {
    signedInAs(PEOPLE.secretary);
    api.on('GET /api/routing/cases/c1', awaiting());
    api.on('POST /api/routing/cases/c1/direction/on-behalf', { detail: { message: 'No delegation.', message_vi: 'Bạn không có ủy quyền còn hiệu lực của Nguyễn Văn An.' } }, 403);
    at('/chi-dao/c1');
    await settle();
    const form = screen.getByRole('form', { name: 'Nhập ý kiến chỉ đạo thay lãnh đạo' });
    fireEvent.change(within(form).getByLabelText('Bản quét phiếu giải quyết (PDF, PNG, JPEG, TIFF)'), { target: { files: [new File(['x'], 'p.pdf', { type: 'application/pdf' })] } });
    fireEvent.change(within(form).getByLabelText('Đơn vị chủ trì'), { target: { value: 'phong-ke-hoach' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Ghi ý kiến chỉ đạo' })));
    expect(within(form).getByRole('alert').textContent).toBe('Bạn không có ủy quyền còn hiệu lực của Nguyễn Văn An.');
  });
});

const reviewed = {
  draft_id: 'dr1', task_id: 't1', file: { file_id: 'x', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' },
  uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'reviewed', supersedes: null,
  review_note: 'Đạt', reviewed_by: { user_id: 'truongphong1', full_name: 'Lê Văn Cường' }, approved_by: null, returned_by: null,
};

describe("the leader's drafts", () => {
  it('approves a reviewed draft', async () => {
    signedInAs(PEOPLE.leader);
    api.on('GET /api/routing/cases/c1', directedCase({ drafts: [reviewed] }));
    api.on('POST /api/routing/cases/c1/drafts/dr1/approval', directedCase({ drafts: [{ ...reviewed, status: 'approved', approved_by: LEADER_REF }] }));
    at('/chi-dao/c1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Phê duyệt dự thảo' })));
    expect(api.sent('POST /api/routing/cases/c1/drafts/dr1/approval')).toHaveLength(1);
    expect(screen.getByRole('region', { name: 'Dự thảo văn bản trả lời' }).textContent).toContain('Đã phê duyệt');
    expect(screen.queryByRole('button', { name: 'Phê duyệt dự thảo' })).toBeNull();
  });

  it("lists a reviewed draft's appendices for the leader, each opened through its link", async () => {
    signedInAs(PEOPLE.leader);
    const appendix = { file_id: 'p1', name: 'phu-luc-1.pdf', media_type: 'application/pdf', size: 1, sha256: 'a', object_key: 'routing/drafts/a' };
    api.on('GET /api/routing/cases/c1', directedCase({ drafts: [{ ...reviewed, attachments: [appendix] }] }));
    api.on('GET /api/routing/cases/c1/files/p1/link', { url: 'http://blobs.test/routing/drafts/a' });
    at('/chi-dao/c1');
    await settle();
    const listed = screen.getByRole('list', { name: 'Phụ lục của dự thảo du-thao.pdf' });
    await act(async () => fireEvent.click(within(listed).getByRole('button', { name: 'phu-luc-1.pdf' })));
    expect(within(listed).getByRole('link', { name: 'Mở phu-luc-1.pdf' }).getAttribute('href')).toBe('http://blobs.test/routing/drafts/a');
  });

  it('returns a draft only with a reason', async () => {
    signedInAs(PEOPLE.leader);
    api.on('GET /api/routing/cases/c1', directedCase({ drafts: [reviewed] }));
    api.on('POST /api/routing/cases/c1/drafts/dr1/return', directedCase({ drafts: [{ ...reviewed, status: 'returned', review_note: 'Sửa số liệu' }] }));
    at('/chi-dao/c1');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Trả lại dự thảo' })));
    expect(screen.getByRole('alert').textContent).toBe('Ý kiến: cần ghi lý do trả lại dự thảo.');
    fireEvent.change(screen.getByLabelText('Ý kiến của lãnh đạo'), { target: { value: 'Sửa số liệu' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Trả lại dự thảo' })));
    expect(api.sent('POST /api/routing/cases/c1/drafts/dr1/return')[0].body).toMatchObject({ comment: 'Sửa số liệu' });
    expect(screen.getByRole('region', { name: 'Dự thảo văn bản trả lời' }).textContent).toContain('Ý kiến: Sửa số liệu');
  });
});

describe('the working-day calendar in the direction form', () => {
  it("marks the month's holidays and says when the chosen deadline falls on one", async () => {
    signedInAs(PEOPLE.leader);
    const today = vietnamToday();
    const days = ['2027-04-28', '2027-04-29', '2027-04-30', '2027-05-01', '2027-05-02', '2027-05-03'].map((date) => ({
      date,
      working: ['2027-04-28', '2027-04-29', '2027-05-03'].includes(date),
      weekend: ['2027-05-01', '2027-05-02'].includes(date),
      day_off: date === '2027-04-30' ? { name_vi: 'Ngày Chiến thắng', kind: 'public_holiday' } : null,
    }));
    api.on('GET /api/routing/calendar', { days: [{ date: today, working: true, weekend: false, day_off: null }, ...days] });
    api.on('GET /api/routing/cases/c1', directedCase({ status: 'awaiting_direction', tasks: [], decisions: [], document: { ...directedCase().document, due_date: '2027-04-30' } }));
    at('/chi-dao/c1');
    await settle();

    const calendar = screen.getByRole('region', { name: 'Lịch làm việc tháng 4/2027' });
    expect(within(calendar).getByTitle('Ngày Chiến thắng').className).toContain('holiday');
    expect(within(calendar).getByRole('list', { name: 'Ngày nghỉ lễ trong tháng' }).textContent).toBe('30/04/2027: Ngày Chiến thắng');
    expect(within(calendar).getByRole('status').textContent).toBe('Hạn 30/04/2027 là ngày nghỉ (Ngày Chiến thắng): nên chọn ngày làm việc.');
    expect(api.calls.find((c) => c.path === '/api/routing/calendar')?.url).toMatch(/to=2027-04-30$/);

    fireEvent.change(screen.getByLabelText('Hạn xử lý'), { target: { value: '2027-04-29' } });
    await settle();
    expect(screen.getByRole('region', { name: 'Lịch làm việc tháng 4/2027' }).querySelector('td.chosen')?.textContent).toBe('29');
  });
});

describe('a confidential document that names no reader', () => {
  it('says so in Vietnamese on its page', async () => {
    signedInAs(PEOPLE.clerk);
    api.on('GET /api/routing/cases/c1', directedCase({ status: 'awaiting_readers', leader: null, tasks: [], decisions: [] }));
    at('/chi-dao/c1');
    await settle();
    expect(screen.getByText(/Văn bản mật chưa có người được xem/)).toBeTruthy();
  });
});
