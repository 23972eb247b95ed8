// The unit head's and the specialist's lists: "Việc của tôi" (routing's /tasks/mine: what is
// given to me, and to the unit I head) and "Việc của đơn vị" (/units/{unit}/tasks: every open task
// of the unit, the specialists' included).
import { useCallback, useEffect, useState } from 'react';
import { Link, NavLink } from 'react-router';
import { api } from '../api/client';
import type { TaskLine } from '../api/types';
import { DecidedBy } from '../components/DecidedBy';
import { formatDate, vietnamToday } from '../dates';
import { sayError } from '../errors';
import { label, TASK_ROLES, TASK_STATUSES, URGENCIES } from '../labels';
import { useLiveReload } from '../live';
import { hasRole, useSession } from '../session';

export function taskHref(t: { case_id: string; task_id: string }): string {
  return `/viec/${encodeURIComponent(t.case_id)}/${encodeURIComponent(t.task_id)}`;
}

/** Most urgent first, then the nearest deadline (no deadline last). */
export function byDeadline(a: TaskLine, b: TaskLine): number {
  const rank: Record<string, number> = { flash: 3, very_urgent: 2, urgent: 1 };
  return (rank[b.urgency] ?? 0) - (rank[a.urgency] ?? 0) || (a.due_date ?? '9999').localeCompare(b.due_date ?? '9999');
}

export function MyTasks({ scope }: { scope: 'mine' | 'unit' }) {
  const { session } = useSession();
  const unitId = session?.person.unit_id ?? '';
  const [tasks, setTasks] = useState<TaskLine[] | null>(null);
  const [error, setError] = useState('');
  const today = vietnamToday();

  const load = useCallback(async () => {
    try {
      const path = scope === 'mine' ? '/tasks/mine' : `/units/${encodeURIComponent(unitId)}/tasks`;
      const found = await api<TaskLine[]>('routing', path);
      setTasks([...found].sort(byDeadline));
      setError('');
    } catch (e) {
      setError(`Không tải được danh sách việc: ${sayError(e)}`);
    }
  }, [scope, unitId]);

  useEffect(() => {
    setTasks(null);
    void load();
  }, [load]);
  // A task given or re-assigned, a deadline passing: the list is read again (live.tsx).
  useLiveReload(() => void load());

  async function acknowledge(t: TaskLine) {
    try {
      await api('routing', `/cases/${encodeURIComponent(t.case_id)}/tasks/${encodeURIComponent(t.task_id)}/acknowledgement`, { method: 'POST' });
      await load();
    } catch (e) {
      setError(sayError(e));
    }
  }

  const title = scope === 'mine' ? 'Việc của tôi' : 'Việc của đơn vị';
  return (
    <section aria-labelledby="ds-viec">
      <div className="heading">
        <h1 id="ds-viec">{title}</h1>
        {hasRole(session, 'unit_head') && (
          <nav className="tabs" aria-label="Danh sách việc">
            <NavLink to="/viec" end>Việc của tôi</NavLink>
            <NavLink to="/viec/don-vi" end>Việc của đơn vị</NavLink>
          </nav>
        )}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!tasks && !error && <p role="status">Đang tải…</p>}
      {tasks && tasks.length === 0 && <p>Không có việc nào đang mở.</p>}
      {tasks && tasks.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">{title}</caption>
            <thead>
              <tr>
                <th scope="col">Trích yếu</th>
                <th scope="col">Vai trò</th>
                <th scope="col">Người xử lý</th>
                <th scope="col">Hạn xử lý</th>
                <th scope="col">Trạng thái</th>
                <th scope="col">Giao bởi</th>
              </tr>
            </thead>
            <tbody>
              {tasks.map((t) => {
                const overdue = !!t.due_date && t.due_date < today && ['assigned', 'in_progress'].includes(t.status);
                return (
                  <tr key={t.task_id}>
                    <td>
                      <span className={`urgency u-${t.urgency}`}>{label(URGENCIES, t.urgency)}</span>{' '}
                      <Link to={taskHref(t)}>{t.subject}</Link>
                      {t.withdrawal && (
                        <p className="notice">
                          {t.withdrawal.message_vi}{' '}
                          <button type="button" className="link" onClick={() => void acknowledge(t)}>
                            Đã biết
                          </button>
                        </p>
                      )}
                    </td>
                    <td>{label(TASK_ROLES, t.role)}</td>
                    <td>{t.assignee.user_id ? (t.assignee.name ?? t.assignee.user_id) : 'Đơn vị'}</td>
                    <td className={overdue ? 'overdue' : undefined}>
                      {formatDate(t.due_date)}
                      {overdue && ' (quá hạn)'}
                    </td>
                    <td>
                      {label(TASK_STATUSES, t.status)}
                      {t.percent_complete != null && ` · ${t.percent_complete}%`}
                    </td>
                    <td>
                      <DecidedBy authorship={t.assigned_by_decision} withTime={false} />
                    </td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
