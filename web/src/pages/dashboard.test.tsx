import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { addDays, formatDate, vietnamToday } from '../dates';
import { SessionProvider } from '../session';
import { directedCase, DIRECTORY_UNITS, FakeApi, LEADER_REF, PEOPLE, SECRETARY_REF, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
const cells = (row: HTMLElement) => [...row.querySelectorAll('td')].map((c) => c.textContent);
const today = vietnamToday();


function task(id: string, unit: string, due: string | null, extra: Record<string, unknown> = {}) {
  return {
    task_id: id, case_id: `c-${id}`, assignee: { unit_id: unit, user_id: null }, role: 'lead', status: 'assigned', decision_id: 'd', assigned_by: LEADER_REF,
    assigned_at: '2026-11-20T00:00:00Z', due_date: due, parent_task_id: null, instructions: null, document_id: 'x', subject: id, urgency: 'normal',
    case_status: 'directed', withdrawal: null, assigned_by_decision: null, ...extra,
  };
}

/** What routing's /reports/indicators answers: the figures the leader must see, unchanged. */
const INDICATORS = {
  as_of: today,
  now: {
    units: { 'phong-ke-hoach': { open: 3, due_soon: 2, overdue: 1 }, 'phong-tai-chinh': { open: 2, due_soon: 0, overdue: 2 } },
    people: { chuyenvien1: { open: 1, due_soon: 1, overdue: 0 } },
  },
  months: {
    '2026-10': { units: { 'phong-ke-hoach': { on_time: 2, late: 1, on_time_rate: 0.6667 } }, people: {} },
    '2026-11': { units: { 'phong-ke-hoach': { on_time: 1, late: 0, on_time_rate: 1 } }, people: {} },
  },
  received: {},
  issued: {},
  processing_time: { '2026-11': { 'phong-ke-hoach': { completed: 4, median: 2.5, p90: 6 } } },
  processing_all: { 'phong-ke-hoach': { completed: 4, median: 2.5, p90: 6, late: 1, max: 6 } },
  exchange: {
    '000.00.00.H49': { sent: 5, not_sent: 1, failed: 1, returned: 0, slow: 2, delivery_s: { completed: 3, median: 42.5, p90: 90 } },
  },
  urgings: {
    '2026-11': {
      units: { 'phong-tai-chinh': { reminder: 2, reprimand: 1, disciplinary_review: 0, total: 3 } },
      people: {},
    },
    '2026-10': {
      units: { 'phong-tai-chinh': { reminder: 0, reprimand: 0, disciplinary_review: 1, total: 1 } },
      people: {},
    },
  },
};

beforeEach(() => {
  sessionStorage.clear();
  new FakeApi()
    .on('GET /api/routing/directory/units', DIRECTORY_UNITS)
    .on('GET /api/routing/reports/indicators', INDICATORS)
    .on('GET /api/routing/units/phong-ke-hoach/tasks', [task('a', 'phong-ke-hoach', addDays(today, 2)), task('b', 'phong-ke-hoach', addDays(today, 4))])
    .on('GET /api/routing/units/phong-tai-chinh/tasks', [])
    .on('GET /api/routing/reports/overdue', [
      {
        unit_id: 'phong-tai-chinh', overdue: 2, tasks: [
          { masked: false, task_id: 'o1', case_id: 'c9', subject: 'Về việc quyết toán', assignee_user_id: null, due_date: '2026-11-02', overdue_working_days: 5, assigned_by_decision: null },
          { masked: true, task_id: null, case_id: null, subject: null, assignee_user_id: null, due_date: '2026-11-03', overdue_working_days: 4, assigned_by_decision: null },
        ],
      },
    ])
    .on('GET /api/routing/reports/entries-on-behalf', [
      { leader_user_id: 'lanhdao1', entries: 1, decisions: [{ masked: false, case_id: 'c-a', subject: 'a', kind: 'direction', decided_by: LEADER_REF, recorded_by: SECRETARY_REF, decided_at: '2026-11-20T00:00:00Z', on_behalf: true }] },
    ])
    .on('GET /api/routing/cases/c-a', directedCase({ case_id: 'c-a', drafts: [{ draft_id: 'dr', task_id: 't1', file: { file_id: 'f', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' }, uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T00:00:00Z', status: 'reviewed', supersedes: null, review_note: null, reviewed_by: { user_id: 'truongphong1', full_name: 'Lê Văn Cường' }, approved_by: null, returned_by: null }] }))
    .on('GET /api/routing/cases/c-b', directedCase({ case_id: 'c-b' }))
    .install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

function open() {
  render(
    <SessionProvider>
      <MemoryRouter initialEntries={['/tong-hop']}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

describe("the leader's dashboard", () => {
  it("shows per unit the indicators' open, due soon and overdue work and the on-time rate as the API counted them", async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const [figures] = screen.getAllByRole('table');
    const plan = within(figures).getByRole('row', { name: /^Phòng Kế hoạch/ });
    // 3 completed on time of 4: 75%, every month added up.
    expect(cells(plan)).toEqual(['3', '2', '1', '4', '75%']);
    const finance = within(figures).getByRole('row', { name: /^Phòng Tài chính/ });
    expect(cells(finance)).toEqual(['2', '0', '2', '0', 'Chưa có']);
    expect(screen.getByText(`Số liệu tính đến ngày ${formatDate(today)}.`)).toBeTruthy();
  });

  it('shows processing times (median, 90th percentile) and the urgings of each kind per unit', async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const region = screen.getByRole('region', { name: 'Thời gian xử lý và đôn đốc' });
    expect(cells(within(region).getByRole('row', { name: /^Phòng Kế hoạch/ }))).toEqual(['4', '2,5', '6', '0', '0', '0']);
    expect(cells(within(region).getByRole('row', { name: /^Phòng Tài chính/ }))).toEqual(['0', '—', '—', '2', '1', '1']);
  });

  it('shows the exchange health per recipient agency as the API counted it', async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const region = screen.getByRole('region', { name: 'Liên thông văn bản theo cơ quan nhận' });
    expect(cells(within(region).getByRole('row', { name: /^000\.00\.00\.H49/ }))).toEqual(['5', '1', '1', '0', '2', '42,5 / 90']);
  });

  it('says so when the indicators have not been counted yet', async () => {
    new FakeApi()
      .on('GET /api/routing/directory/units', DIRECTORY_UNITS)
      .on('GET /api/routing/reports/indicators', { ...INDICATORS, as_of: null, now: { units: {}, people: {} }, months: {}, processing_time: {}, processing_all: {}, urgings: {}, exchange: {} })
      .on('GET /api/routing/reports/overdue', [])
      .on('GET /api/routing/reports/entries-on-behalf', [])
      .on('GET /api/routing/units/phong-ke-hoach/tasks', [])
      .on('GET /api/routing/units/phong-tai-chinh/tasks', [])
      .install();
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    expect(screen.getByText('Chưa có số liệu: bộ đếm chỉ số chưa tính xong.')).toBeTruthy();
    const [figures] = screen.getAllByRole('table');
    expect(cells(within(figures).getByRole('row', { name: /^Phòng Kế hoạch/ }))).toEqual(['0', '0', '0', '0', 'Chưa có']);
  });

  it('lists an overdue confidential task as masked, and the proxy entries with who typed them in', async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const overdue = screen.getByRole('region', { name: 'Việc quá hạn' });
    expect(overdue.textContent).toContain('Về việc quyết toán · Phòng Tài chính · hạn 02/11/2026, quá 5 ngày làm việc');
    expect(overdue.textContent).toContain('Văn bản mật (bạn không được xem nội dung) · Phòng Tài chính · hạn 03/11/2026');
    expect(screen.getByRole('region', { name: 'Ý kiến do thư ký nhập thay' }).textContent).toContain('Trần Thị Bình nhập thay');
  });

  it("lists the drafts waiting for this leader's approval with a link to the document", async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const drafts = screen.getByRole('region', { name: 'Dự thảo chờ phê duyệt' });
    expect(within(drafts).getByRole('link').getAttribute('href')).toBe('/chi-dao/c-a');
    expect(drafts.textContent).toContain('du-thao.pdf · Hoàng Văn Em, Lê Văn Cường đã xem xét');
  });
});
