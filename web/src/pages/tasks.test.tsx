import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { directedCase, DIRECTORY_USERS, FakeApi, LEADER_REF, PEOPLE, signedInAs } from '../testing/fakeApi';

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
let api: FakeApi;
beforeEach(() => {
  sessionStorage.clear();
  api = new FakeApi().on('GET /api/routing/directory/users', DIRECTORY_USERS).install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

const specialistTask = {
  task_id: 't2', case_id: 'c1', assignee: { unit_id: 'phong-ke-hoach', user_id: 'chuyenvien1', name: 'Hoàng Văn Em' }, role: 'specialist',
  status: 'assigned', decision_id: 'd2', assigned_by: { user_id: 'truongphong1', full_name: 'Lê Văn Cường' }, assigned_at: '2026-11-21T01:00:00Z',
  due_date: '2026-12-05', parent_task_id: 't1', instructions: 'Soạn báo cáo tổng kết',
};

describe("the unit head's and the specialist's lists", () => {
  it("lists my tasks with their deadline, and says when the leader's direction was entered by the secretary", async () => {
    signedInAs(PEOPLE.specialist);
    api.on('GET /api/routing/tasks/mine', [
      {
        ...specialistTask, document_id: 'doc1', subject: 'Về việc tổng kết', urgency: 'urgent', case_status: 'in_progress', withdrawal: null,
        assigned_by_decision: { kind: 'direction', decided_by: LEADER_REF, recorded_by: { user_id: 'thuky1', full_name: 'Trần Thị Bình' }, decided_at: '2026-11-20T02:00:00Z', on_behalf: true, evidence_file: { file_id: 'f', name: 'phieu.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' } },
      },
    ]);
    at('/');
    await settle();

    expect(screen.getByRole('heading', { name: 'Việc của tôi' })).toBeTruthy();
    const row = screen.getByRole('row', { name: /Về việc tổng kết/ });
    expect(within(row).getByRole('link', { name: 'Về việc tổng kết' }).getAttribute('href')).toBe('/viec/c1/t2');
    expect(row.textContent).toContain('05/12/2026');
    expect(row.textContent).toContain('Nhập thay');
    expect(row.textContent).toContain('Trần Thị Bình nhập thay theo phiếu giải quyết ngày 20/11/2026 (phieu.pdf)');
  });

  it("shows the unit head the unit's tasks, the specialists' included", async () => {
    signedInAs(PEOPLE.unitHead);
    api.on('GET /api/routing/units/phong-ke-hoach/tasks', [
      { ...specialistTask, document_id: 'doc1', subject: 'Về việc tổng kết', urgency: 'normal', case_status: 'in_progress', withdrawal: null, assigned_by_decision: null },
    ]);
    at('/viec/don-vi');
    await settle();
    expect(screen.getByRole('heading', { name: 'Việc của đơn vị' })).toBeTruthy();
    expect(screen.getByRole('row', { name: /Về việc tổng kết.*Hoàng Văn Em/ })).toBeTruthy();
  });
});

describe('a task', () => {
  it("lets the unit head give the unit's task to a specialist of the unit", async () => {
    signedInAs(PEOPLE.unitHead);
    api.on('GET /api/routing/cases/c1', directedCase());
    api.on('POST /api/routing/cases/c1/tasks/t1/reassignment', () =>
      directedCase({ status: 'in_progress', tasks: [{ ...directedCase().tasks[0], status: 'in_progress' }, specialistTask] }),
    );
    at('/viec/c1/t1');
    await settle();

    const form = screen.getByRole('form', { name: 'Giao chuyên viên' });
    const options = within(form).getAllByRole('option').map((o) => o.textContent);
    expect(options).toContain('Hoàng Văn Em · Chuyên viên');
    expect(options.some((o) => o?.includes('Đặng Thị Lan'))).toBe(false); // not of the unit
    fireEvent.change(within(form).getByLabelText('Chuyên viên'), { target: { value: 'chuyenvien1' } });
    fireEvent.change(within(form).getByLabelText('Yêu cầu'), { target: { value: 'Soạn báo cáo tổng kết' } });
    await act(async () => fireEvent.click(within(form).getByRole('button', { name: 'Giao việc' })));

    const [sent] = api.sent('POST /api/routing/cases/c1/tasks/t1/reassignment');
    expect(sent.body).toMatchObject({ assignments: [{ user_id: 'chuyenvien1', role: 'specialist', due_date: '2026-12-10', instructions: 'Soạn báo cáo tổng kết' }] });
    expect(screen.getByRole('status').textContent).toBe('Đã giao việc cho chuyên viên.');
    expect(screen.getByText(/Hoàng Văn Em · Đã giao · hạn 05\/12\/2026/)).toBeTruthy();
  });

  it('lets the specialist report progress, complete, and refuses a return without a reason', async () => {
    signedInAs(PEOPLE.specialist);
    const withMine = directedCase({ status: 'in_progress', tasks: [directedCase().tasks[0], specialistTask] });
    api.on('GET /api/routing/cases/c1', withMine);
    api.on('POST /api/routing/cases/c1/tasks/t2/progress', directedCase({ tasks: [{ ...specialistTask, status: 'in_progress', percent_complete: 50 }] }));
    api.on('POST /api/routing/cases/c1/tasks/t2/completion', directedCase({ tasks: [{ ...specialistTask, status: 'completed', result_note: 'Đã soạn' }] }));
    at('/viec/c1/t2');
    await settle();

    expect(screen.queryByRole('form', { name: 'Giao chuyên viên' })).toBeNull();
    fireEvent.change(screen.getByLabelText('Đã làm được (%)'), { target: { value: '50' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Ghi tiến độ' })));
    expect(api.sent('POST /api/routing/cases/c1/tasks/t2/progress')[0].body).toMatchObject({ percent_complete: 50 });
    expect(screen.getByText('Đang xử lý · 50%')).toBeTruthy();

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Trả lại việc' })));
    expect(screen.getByRole('alert').textContent).toBe('Lý do trả lại: bắt buộc nhập.');
    expect(api.sent('POST /api/routing/cases/c1/tasks/t2/return')).toHaveLength(0);

    fireEvent.change(screen.getByLabelText('Kết quả xử lý'), { target: { value: 'Đã soạn' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Hoàn thành việc' })));
    expect(api.sent('POST /api/routing/cases/c1/tasks/t2/completion')[0].body).toMatchObject({ text: 'Đã soạn' });
    expect(screen.getByText('Đã hoàn thành việc.')).toBeTruthy();
  });

  it("shows routing's refusal in Vietnamese", async () => {
    signedInAs(PEOPLE.specialist);
    api.on('GET /api/routing/cases/c1', directedCase({ tasks: [directedCase().tasks[0], specialistTask] }));
    api.on('POST /api/routing/cases/c1/tasks/t2/completion', { detail: { message: 'No.', message_vi: 'Văn bản đã hoàn thành.' } }, 409);
    at('/viec/c1/t2');
    await settle();
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Hoàn thành việc' })));
    expect(screen.getByRole('alert').textContent).toBe('Văn bản đã hoàn thành.');
  });

  it('uploads a new draft in place of the returned one and shows the review of each', async () => {
    signedInAs(PEOPLE.specialist);
    const returned = {
      draft_id: 'dr1', task_id: 't2', file: { file_id: 'x', name: 'du-thao-v1.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' },
      uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'returned', supersedes: null,
      review_note: 'Bổ sung số liệu quý IV', reviewed_by: null, approved_by: null, returned_by: { user_id: 'truongphong1', full_name: 'Lê Văn Cường' },
    };
    api.on('GET /api/routing/cases/c1', directedCase({ tasks: [directedCase().tasks[0], specialistTask], drafts: [returned] }));
    api.on('POST /api/routing/cases/c1/tasks/t2/drafts', () => ({
      draft_id: 'dr2',
      case: directedCase({
        tasks: [directedCase().tasks[0], specialistTask],
        drafts: [returned, { ...returned, draft_id: 'dr2', file: { ...returned.file, name: 'du-thao-v2.pdf' }, status: 'uploaded', supersedes: 'dr1', review_note: null, returned_by: null }],
      }),
    }));
    at('/viec/c1/t2');
    await settle();

    const drafts = screen.getByRole('region', { name: 'Dự thảo' });
    expect(drafts.textContent).toContain('Bị trả lại');
    expect(drafts.textContent).toContain('Ý kiến: Bổ sung số liệu quý IV');
    expect(screen.getByText('Thay cho dự thảo bị trả lại: du-thao-v1.pdf')).toBeTruthy();
    const file = new File(['%PDF-1.4'], 'du-thao-v2.pdf', { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('Tệp dự thảo (PDF, DOC, DOCX, ODT)'), { target: { files: [file] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tải lên dự thảo' })));

    const [sent] = api.sent('POST /api/routing/cases/c1/tasks/t2/drafts');
    expect(sent.form?.get('supersedes')).toBe('dr1');
    expect((sent.form?.get('file') as File).name).toBe('du-thao-v2.pdf');
    expect(screen.getByRole('region', { name: 'Dự thảo' }).textContent).toContain('du-thao-v2.pdf Chờ lãnh đạo đơn vị xem xét');
  });

  it('lets the unit head forward an uploaded draft, and asks for a reason before returning one', async () => {
    signedInAs(PEOPLE.unitHead);
    const uploaded = {
      draft_id: 'dr1', task_id: 't2', file: { file_id: 'x', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' },
      uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'uploaded', supersedes: null,
      review_note: null, reviewed_by: null, approved_by: null, returned_by: null,
    };
    const c = directedCase({ status: 'in_progress', tasks: [{ ...directedCase().tasks[0], status: 'in_progress' }, specialistTask], drafts: [uploaded] });
    api.on('GET /api/routing/cases/c1', c);
    api.on('POST /api/routing/cases/c1/drafts/dr1/review', { ...c, drafts: [{ ...uploaded, status: 'reviewed', review_note: 'Đạt' }] });
    at('/viec/c1/t1');
    await settle();

    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Trả lại người soạn' })));
    expect(screen.getByRole('alert').textContent).toBe('Ý kiến xem xét: cần ghi lý do trả lại.');
    fireEvent.change(screen.getByLabelText('Ý kiến xem xét'), { target: { value: 'Đạt' } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Chuyển lãnh đạo duyệt' })));
    expect(api.sent('POST /api/routing/cases/c1/drafts/dr1/review')[0].body).toMatchObject({ forward: true, comment: 'Đạt' });
    expect(screen.getByRole('region', { name: 'Dự thảo' }).textContent).toContain('Chờ lãnh đạo phê duyệt');
  });

  it('uploads a draft with its appendices in the order chosen, and says why an appendix is refused', async () => {
    signedInAs(PEOPLE.specialist);
    const draft = {
      draft_id: 'dr1', task_id: 't2', file: { file_id: 'x', name: 'du-thao.docx', media_type: 'application/pdf', size: 1, sha256: 'x' },
      uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'uploaded', supersedes: null,
      review_note: null, reviewed_by: null, approved_by: null, returned_by: null,
      attachments: [
        { file_id: 'p1', name: 'phu-luc-1.pdf', media_type: 'application/pdf', size: 1, sha256: 'a', object_key: 'routing/drafts/a' },
        { file_id: 'p2', name: 'phu-luc-2.pdf', media_type: 'application/pdf', size: 1, sha256: 'b', object_key: 'routing/drafts/b' },
      ],
    };
    api.on('GET /api/routing/cases/c1', directedCase({ tasks: [directedCase().tasks[0], specialistTask] }));
    api.on(
      'POST /api/routing/cases/c1/tasks/t2/drafts',
      { detail: { message: 'attachments: appendix 2 (bang.docx) is not a PDF', message_vi: 'attachments: phụ lục 2 (bang.docx) không phải tệp PDF; phụ lục phải là tệp PDF.' } },
      422,
    );
    at('/viec/c1/t2');
    await settle();

    const pdf = (name: string) => new File(['%PDF-1.4'], name, { type: 'application/pdf' });
    fireEvent.change(screen.getByLabelText('Tệp dự thảo (PDF, DOC, DOCX, ODT)'), { target: { files: [pdf('du-thao.pdf')] } });
    fireEvent.change(screen.getByLabelText('Phụ lục (PDF)'), { target: { files: [pdf('phu-luc-1.pdf'), new File(['PK'], 'bang.docx')] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tải lên dự thảo' })));
    expect(screen.getByRole('alert').textContent).toBe('attachments: phụ lục 2 (bang.docx) không phải tệp PDF; phụ lục phải là tệp PDF.');

    api.on('POST /api/routing/cases/c1/tasks/t2/drafts', { draft_id: 'dr1', case: directedCase({ tasks: [directedCase().tasks[0], specialistTask], drafts: [draft] }) });
    fireEvent.change(screen.getByLabelText('Phụ lục (PDF)'), { target: { files: [pdf('phu-luc-1.pdf'), pdf('phu-luc-2.pdf')] } });
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Tải lên dự thảo' })));

    const [, sent] = api.sent('POST /api/routing/cases/c1/tasks/t2/drafts');
    expect((sent.form?.getAll('attachments') as File[]).map((f) => f.name)).toEqual(['phu-luc-1.pdf', 'phu-luc-2.pdf']);
    const listed = screen.getByRole('list', { name: 'Phụ lục của dự thảo du-thao.docx' });
    expect(within(listed).getAllByRole('listitem').map((li) => li.textContent)).toEqual(['phu-luc-1.pdf', 'phu-luc-2.pdf']);
  });

  it("lists a draft's appendices in the unit head's review and opens each through its link", async () => {
    signedInAs(PEOPLE.unitHead);
    const uploaded = {
      draft_id: 'dr1', task_id: 't2', file: { file_id: 'x', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' },
      uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T01:00:00Z', status: 'uploaded', supersedes: null,
      review_note: null, reviewed_by: null, approved_by: null, returned_by: null,
      attachments: [
        { file_id: 'p1', name: 'phu-luc-1.pdf', media_type: 'application/pdf', size: 1, sha256: 'a', object_key: 'routing/drafts/a' },
        { file_id: 'p2', name: 'phu-luc-2.pdf', media_type: 'application/pdf', size: 1, sha256: 'b', object_key: 'routing/drafts/b' },
      ],
    };
    const c = directedCase({ status: 'in_progress', tasks: [{ ...directedCase().tasks[0], status: 'in_progress' }, specialistTask], drafts: [uploaded] });
    api.on('GET /api/routing/cases/c1', c);
    api.on('GET /api/routing/cases/c1/files/p2/link', { url: 'http://blobs.test/routing/drafts/b?X-Amz-Expires=300' });
    at('/viec/c1/t1');
    await settle();

    const listed = within(screen.getByRole('region', { name: 'Dự thảo' })).getByRole('list', { name: 'Phụ lục của dự thảo du-thao.pdf' });
    expect(within(listed).getAllByRole('listitem')).toHaveLength(2);
    await act(async () => fireEvent.click(within(listed).getByRole('button', { name: 'phu-luc-2.pdf' })));
    expect(api.sent('GET /api/routing/cases/c1/files/p2/link')).toHaveLength(1);
    expect(within(listed).getByRole('link', { name: 'Mở phu-luc-2.pdf' }).getAttribute('href')).toBe('http://blobs.test/routing/drafts/b?X-Amz-Expires=300');
  });
});
