import { act, cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { addDays, vietnamToday } from '../dates';
import { SessionProvider } from '../session';
import { directedCase, DIRECTORY_UNITS, FakeApi, LEADER_REF, PEOPLE, SECRETARY_REF, signedInAs } from '../testing/fakeApi';

const settle = () => act(async () => {});
const today = vietnamToday();


function task(id: string, unit: string, due: string | null, extra: Record<string, unknown> = {}) {
  return {
    task_id: id, case_id: `c-${id}`, assignee: { unit_id: unit, user_id: null }, role: 'lead', status: 'assigned', decision_id: 'd', assigned_by: LEADER_REF,
    assigned_at: '2026-11-20T00:00:00Z', due_date: due, parent_task_id: null, instructions: null, document_id: 'x', subject: id, urgency: 'normal',
    case_status: 'directed', withdrawal: null, assigned_by_decision: null, ...extra,
  };
}

beforeEach(() => {
  sessionStorage.clear();
  const workdays = Array.from({ length: 10 }, (_, i) => ({ date: addDays(today, i + 1), working: i !== 0, weekend: false, day_off: i === 0 ? { name_vi: 'Lễ', kind: 'public_holiday' } : null }));
  new FakeApi()
    .on('GET /api/routing/directory/units', DIRECTORY_UNITS)
    .on('GET /api/routing/calendar', { days: workdays })
    .on('GET /api/routing/units/phong-ke-hoach/tasks', [
      task('a', 'phong-ke-hoach', addDays(today, 2)),
      task('b', 'phong-ke-hoach', addDays(today, 4)), // the third working day: the first day ahead is a holiday
      task('c', 'phong-ke-hoach', addDays(today, 9)),
      task('sub', 'phong-ke-hoach', addDays(today, 1), { role: 'specialist', parent_task_id: 'a', assignee: { unit_id: 'phong-ke-hoach', user_id: 'chuyenvien1' } }),
    ])
    .on('GET /api/routing/units/phong-tai-chinh/tasks', [])
    .on('GET /api/routing/reports/overdue', [
      {
        unit_id: 'phong-tai-chinh', overdue: 2, tasks: [
          { masked: false, task_id: 'o1', case_id: 'c9', subject: 'Về việc quyết toán', assignee_user_id: null, due_date: '2026-11-02', overdue_working_days: 5 },
          { masked: true, task_id: null, case_id: null, subject: null, assignee_user_id: null, due_date: '2026-11-03', overdue_working_days: 4 },
        ],
      },
    ])
    .on('GET /api/routing/reports/processing-time', [{ unit_id: 'phong-ke-hoach', completed: 4, completed_late: 1, median_working_days: 3, max_working_days: 6 }])
    .on('GET /api/routing/reports/entries-on-behalf', [
      { leader_user_id: 'lanhdao1', entries: 1, decisions: [{ masked: false, case_id: 'c-a', subject: 'a', kind: 'direction', decided_by: LEADER_REF, recorded_by: SECRETARY_REF, decided_at: '2026-11-20T00:00:00Z', on_behalf: true }] },
    ])
    .on('GET /api/routing/cases/c-a', directedCase({ case_id: 'c-a', drafts: [{ draft_id: 'dr', task_id: 't1', file: { file_id: 'f', name: 'du-thao.pdf', media_type: 'application/pdf', size: 1, sha256: 'x' }, uploaded_by: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em' }, uploaded_at: '2026-11-22T00:00:00Z', status: 'reviewed', supersedes: null, review_note: null, reviewed_by: { user_id: 'truongphong1', full_name: 'Lê Văn Cường' }, approved_by: null, returned_by: null }] }))
    .on('GET /api/routing/cases/c-b', directedCase({ case_id: 'c-b' }))
    .on('GET /api/routing/cases/c-c', directedCase({ case_id: 'c-c' }))
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
  it('counts open work, work due within three working days, overdue work and the on-time rate per unit', async () => {
    signedInAs(PEOPLE.leader);
    open();
    await settle();
    const plan = screen.getByRole('row', { name: /^Phòng Kế hoạch/ });
    expect([...plan.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['3', '2', '0', '4', '75%']);
    const finance = screen.getByRole('row', { name: /^Phòng Tài chính/ });
    expect([...finance.querySelectorAll('td')].map((c) => c.textContent)).toEqual(['0', '0', '2', '0', 'Chưa có']);
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
