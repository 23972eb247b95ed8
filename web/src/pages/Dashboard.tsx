// The leader's dashboard ("Tổng hợp tình hình xử lý"): per unit, the figures routing's
// indicators worker keeps from the streams (open work, due soon, overdue, completed and the
// on-time rate, processing times, urgings); the overdue tasks (a confidential one counted but
// masked); the drafts waiting for this leader's approval; the decisions secretaries entered on
// the leaders' behalf.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { Authorship, DirectoryUnit, Draft, Indicators, RoutingCase, TaskLine } from '../api/types';
import { DecidedBy } from '../components/DecidedBy';
import { formatDate } from '../dates';
import { days, unitFigures } from '../dashboard';
import type { OverdueByUnit, UnitFigures } from '../dashboard';
import { sayError } from '../errors';
import { hasRole, useSession } from '../session';

export const MASKED = 'Văn bản mật (bạn không được xem nội dung)';

interface OnBehalfRow extends Authorship {
  masked: boolean;
  case_id: string | null;
  subject: string | null;
}

interface Loaded {
  units: DirectoryUnit[];
  asOf: string | null;
  exchange: Indicators['exchange'];
  figures: UnitFigures[];
  overdue: OverdueByUnit[];
  onBehalf: { leader_user_id: string; decisions: OnBehalfRow[] }[];
  drafts: { found: RoutingCase; draft: Draft }[];
}

async function load(unitsShown: (all: DirectoryUnit[]) => DirectoryUnit[], leaderId: string | null): Promise<Loaded> {
  const [allUnits, indicators, overdue, onBehalf] = await Promise.all([
    api<DirectoryUnit[]>('routing', '/directory/units'),
    api<Indicators>('routing', '/reports/indicators'),
    api<OverdueByUnit[]>('routing', '/reports/overdue'),
    api<{ leader_user_id: string; decisions: OnBehalfRow[] }[]>('routing', '/reports/entries-on-behalf'),
  ]);
  const units = unitsShown(allUnits.filter((u) => u.active));
  const figures = units.map((u) => unitFigures(u.unit_id, indicators));
  // Drafts reach the leader inside the cases being worked on: read each once (no list of drafts yet).
  const drafts: Loaded['drafts'] = [];
  if (leaderId) {
    const tasks = await Promise.all(units.map((u) => api<TaskLine[]>('routing', `/units/${encodeURIComponent(u.unit_id)}/tasks`)));
    const caseIds = [...new Set(tasks.flat().map((t) => t.case_id))];
    const cases = await Promise.all(caseIds.map((id) => api<RoutingCase>('routing', `/cases/${encodeURIComponent(id)}`).catch(() => null)));
    for (const found of cases) {
      if (found?.leader?.user_id !== leaderId) continue;
      for (const draft of found.drafts ?? []) if (draft.status === 'reviewed') drafts.push({ found, draft });
    }
  }
  return { units, asOf: indicators.as_of, exchange: indicators.exchange ?? {}, figures, overdue, onBehalf, drafts };
}

export function Dashboard() {
  const { session } = useSession();
  const [loaded, setLoaded] = useState<Loaded | null>(null);
  const [error, setError] = useState('');
  const me = session?.person;
  const leaderId = hasRole(session, 'leader') ? (me?.user_id ?? null) : null;
  const ownUnitOnly = hasRole(session, 'unit_head') && !hasRole(session, 'leader', 'auditor');

  useEffect(() => {
    let live = true;
    load((all) => (ownUnitOnly ? all.filter((u) => u.unit_id === me?.unit_id) : all), leaderId)
      .then((l) => live && setLoaded(l))
      .catch((e: unknown) => live && setError(`Không tải được số liệu: ${sayError(e)}`));
    return () => {
      live = false;
    };
  }, [ownUnitOnly, me?.unit_id, leaderId]);

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!loaded) return <p role="status">Đang tải…</p>;
  const unitName = (id: string) => loaded.units.find((u) => u.unit_id === id)?.name ?? id;
  const overdueRows = loaded.overdue.filter((o) => loaded.units.some((u) => u.unit_id === o.unit_id)).flatMap((o) => o.tasks.map((t) => ({ ...t, unit_id: o.unit_id })));

  return (
    <section aria-labelledby="tong-hop">
      <h1 id="tong-hop">Tổng hợp tình hình xử lý</h1>
      <p className="muted">
        {loaded.asOf ? `Số liệu tính đến ngày ${formatDate(loaded.asOf)}.` : 'Chưa có số liệu: bộ đếm chỉ số chưa tính xong.'}
      </p>
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">Tình hình xử lý theo đơn vị</caption>
          <thead>
            <tr>
              <th scope="col">Đơn vị</th>
              <th scope="col">Đang xử lý</th>
              <th scope="col">Sắp đến hạn</th>
              <th scope="col">Quá hạn</th>
              <th scope="col">Đã hoàn thành</th>
              <th scope="col">Tỷ lệ đúng hạn</th>
            </tr>
          </thead>
          <tbody>
            {loaded.figures.map((f) => (
              <tr key={f.unit_id}>
                <th scope="row">{unitName(f.unit_id)}</th>
                <td>{f.open}</td>
                <td>{f.due_soon}</td>
                <td className={f.overdue ? 'overdue' : undefined}>{f.overdue}</td>
                <td>{f.completed}</td>
                <td>{f.on_time_rate === null ? 'Chưa có' : `${f.on_time_rate}%`}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>

      <section className="card" aria-labelledby="thoi-gian-don-doc">
        <h2 id="thoi-gian-don-doc">Thời gian xử lý và đôn đốc</h2>
        <div className="table-wrap">
          <table>
            <caption className="visually-hidden">Thời gian xử lý (ngày làm việc) và số lần đôn đốc theo đơn vị</caption>
            <thead>
              <tr>
                <th scope="col">Đơn vị</th>
                <th scope="col">Văn bản chủ trì đã xong</th>
                <th scope="col">Trung vị (ngày làm việc)</th>
                <th scope="col">90% xong trong (ngày làm việc)</th>
                <th scope="col">Nhắc nhở</th>
                <th scope="col">Phê bình</th>
                <th scope="col">Kiểm điểm</th>
              </tr>
            </thead>
            <tbody>
              {loaded.figures.map((f) => (
                <tr key={f.unit_id}>
                  <th scope="row">{unitName(f.unit_id)}</th>
                  <td>{f.led}</td>
                  <td>{days(f.median_days)}</td>
                  <td>{days(f.p90_days)}</td>
                  <td>{f.reminders}</td>
                  <td>{f.reprimands}</td>
                  <td>{f.reviews}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      </section>

      {Object.keys(loaded.exchange ?? {}).length > 0 && (
        <section className="card" aria-labelledby="lien-thong">
          <h2 id="lien-thong">Liên thông văn bản theo cơ quan nhận</h2>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Tình hình gửi văn bản đi theo cơ quan nhận</caption>
              <thead>
                <tr>
                  <th scope="col">Cơ quan nhận</th>
                  <th scope="col">Đã gửi</th>
                  <th scope="col">Chưa gửi được</th>
                  <th scope="col">Gửi lỗi</th>
                  <th scope="col">Bị trả lại</th>
                  <th scope="col">Chậm tiếp nhận</th>
                  <th scope="col">Thời gian chuyển (trung vị / 90%, giây)</th>
                </tr>
              </thead>
              <tbody>
                {Object.entries(loaded.exchange ?? {}).map(([code, h]) => (
                  <tr key={code}>
                    <th scope="row">{code}</th>
                    <td>{h.sent}</td>
                    <td>{h.not_sent}</td>
                    <td className={h.failed ? 'overdue' : undefined}>{h.failed}</td>
                    <td>{h.returned}</td>
                    <td className={h.slow ? 'overdue' : undefined}>{h.slow}</td>
                    <td>{h.delivery_s ? `${days(h.delivery_s.median)} / ${h.delivery_s.p90}` : '—'}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}

      {leaderId && (
        <section className="card" aria-labelledby="du-thao-cho-duyet">
          <h2 id="du-thao-cho-duyet">Dự thảo chờ phê duyệt</h2>
          {loaded.drafts.length === 0 && <p>Không có dự thảo nào chờ phê duyệt.</p>}
          <ul>
            {loaded.drafts.map(({ found, draft }) => (
              <li key={draft.draft_id}>
                <Link to={`/chi-dao/${found.case_id}`}>{found.document.subject}</Link>
                <span className="muted"> · {draft.file.name} · {draft.uploaded_by.full_name}{draft.reviewed_by && `, ${draft.reviewed_by.full_name} đã xem xét`}</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {overdueRows.length > 0 && (
        <section className="card" aria-labelledby="qua-han">
          <h2 id="qua-han">Việc quá hạn</h2>
          <ul>
            {overdueRows.map((t, i) => (
              <li key={t.task_id ?? `masked-${i}`}>
                {t.masked ? <span className="muted">{MASKED}</span> : t.subject} · {unitName(t.unit_id)} · hạn {formatDate(t.due_date)},{' '}
                <span className="overdue">quá {t.overdue_working_days} ngày làm việc</span>
              </li>
            ))}
          </ul>
        </section>
      )}

      {loaded.onBehalf.some((l) => l.decisions.length) && (
        <section className="card" aria-labelledby="nhap-thay-ds">
          <h2 id="nhap-thay-ds">Ý kiến do thư ký nhập thay</h2>
          <ul>
            {loaded.onBehalf.flatMap((l) =>
              l.decisions.map((row, i) => (
                <li key={row.decision_id ?? `${l.leader_user_id}-${i}`}>
                  {row.masked ? <span className="muted">{MASKED}</span> : row.subject}: <DecidedBy authorship={row} />
                </li>
              )),
            )}
          </ul>
        </section>
      )}
    </section>
  );
}
