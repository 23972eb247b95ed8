import { useCallback, useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { RoutingCase } from '../api/types';
import { addDays, formatDate, formatDateTime, vietnamToday } from '../dates';
import { byUrgencyThenDeadline, countInbox } from '../inbox';
import { DOCUMENT_TYPES, label, URGENCIES } from '../labels';
import { useLiveReload } from '../live';
import { hasRole, useSession } from '../session';

export function LeaderInbox() {
  const [cases, setCases] = useState<RoutingCase[] | null>(null);
  const [error, setError] = useState('');
  const today = vietnamToday();
  const { session } = useSession();
  // A secretary reads the inboxes of the leaders who delegated to them: each says whose it is.
  const forSecretary = hasRole(session, 'secretary') && !hasRole(session, 'leader');

  const load = useCallback(async () => {
    try {
      const found = await api<RoutingCase[]>('routing', '/inbox');
      setCases([...found].sort(byUrgencyThenDeadline));
      setError('');
    } catch (e) {
      setError(`Không tải được văn bản chờ chỉ đạo: ${(e as Error).message}`);
    }
  }, []);

  useEffect(() => {
    void load();
  }, [load]);
  // A new document presented, a direction given elsewhere: the list is read again (live.tsx).
  useLiveReload(() => void load());

  const counts = cases ? countInbox(cases, today, addDays(today, 3)) : null;
  return (
    <section aria-labelledby="cho-chi-dao">
      <div className="heading">
        <h1 id="cho-chi-dao">Văn bản chờ chỉ đạo</h1>
        <button type="button" className="secondary" onClick={() => void load()}>
          Tải lại
        </button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {counts && (
        <ul className="counts" aria-label="Số lượng">
          <li><strong>{counts.total}</strong> văn bản</li>
          <li className="u-flash"><strong>{counts.flash}</strong> hỏa tốc</li>
          <li className="u-very_urgent"><strong>{counts.very_urgent}</strong> thượng khẩn</li>
          <li className="u-urgent"><strong>{counts.urgent}</strong> khẩn</li>
          <li className="overdue"><strong>{counts.overdue}</strong> quá hạn</li>
          <li><strong>{counts.due_soon}</strong> sắp đến hạn</li>
        </ul>
      )}
      {!cases && !error && <p role="status">Đang tải…</p>}
      {cases && cases.length === 0 && <p>Không có văn bản nào chờ chỉ đạo.</p>}
      {cases && cases.length > 0 && (
        <ol className="inbox">
          {cases.map((c) => {
            const due = c.document.due_date;
            const overdue = !!due && due < today;
            return (
              <li key={c.case_id} className="card inbox-item">
                <div className="inbox-main">
                  <span className={`urgency u-${c.document.urgency}`}>{label(URGENCIES, c.document.urgency)}</span>
                  <Link to={`/chi-dao/${c.case_id}`} className="subject">
                    {c.document.subject}
                  </Link>
                </div>
                <div className="muted inbox-meta">
                  {[
                    `Số đến ${c.document.arrival_number}`,
                    label(DOCUMENT_TYPES, c.document.document_type_code),
                    c.document.issuer_name,
                    `đến ${formatDateTime(c.document.received_at)}`,
                    forSecretary && c.leader ? `trình ${c.leader.full_name}` : '',
                  ]
                    .filter(Boolean)
                    .join(' · ')}
                  {due && (
                    <span className={overdue ? 'overdue' : undefined}>
                      {' '}
                      · hạn xử lý {formatDate(due)}
                      {overdue && ' (quá hạn)'}
                    </span>
                  )}
                </div>
              </li>
            );
          })}
        </ol>
      )}
    </section>
  );
}
