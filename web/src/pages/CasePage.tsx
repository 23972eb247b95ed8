import { useCallback, useEffect, useMemo, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { DirectoryUnit, RoutingCase } from '../api/types';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { CASE_STATUSES, DOCUMENT_TYPES, label, TASK_ROLES, TASK_STATUSES, URGENCIES, vietnamese } from '../labels';
import { hasRole, useSession } from '../session';

export interface DirectionForm {
  lead: string;
  coordinating: string[];
  information: string[];
  due: string;
  text: string;
}

/** The body of routing's POST /cases/{id}/direction for what the leader chose. */
export function directionBody(form: DirectionForm, decisionId: string) {
  const due = form.due || undefined;
  return {
    decision_id: decisionId,
    text: form.text.trim() || undefined,
    assignments: [
      { unit_id: form.lead, role: 'lead', due_date: due },
      ...form.coordinating.filter((u) => u !== form.lead).map((unit_id) => ({ unit_id, role: 'coordinating', due_date: due })),
      ...form.information
        .filter((u) => u !== form.lead && !form.coordinating.includes(u))
        .map((unit_id) => ({ unit_id, role: 'information' })),
    ],
  };
}

export function CasePage() {
  const { caseId = '' } = useParams();
  const { session } = useSession();
  const [found, setFound] = useState<RoutingCase | null>(null);
  const [units, setUnits] = useState<DirectoryUnit[]>([]);
  const [error, setError] = useState('');
  const [form, setForm] = useState<DirectionForm>({ lead: '', coordinating: [], information: [], due: '', text: '' });
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [done, setDone] = useState(false);
  // One decision id per form: sending the same direction twice records it once.
  const decisionId = useMemo(() => crypto.randomUUID(), []);

  const load = useCallback(async () => {
    try {
      const [c, u] = await Promise.all([
        api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}`),
        api<DirectoryUnit[]>('routing', '/directory/units'),
      ]);
      setFound(c);
      setUnits(u.filter((x) => x.active));
      setForm((f) => ({ ...f, due: f.due || c.document.due_date || '' }));
    } catch (e) {
      setError(`Không tải được văn bản: ${(e as Error).message}`);
    }
  }, [caseId]);

  useEffect(() => {
    void load();
  }, [load]);

  const unitName = (id: string | null) => units.find((u) => u.unit_id === id)?.name ?? id ?? '';
  const toggle = (list: 'coordinating' | 'information', unitId: string) =>
    setForm((f) => ({
      ...f,
      [list]: f[list].includes(unitId) ? f[list].filter((u) => u !== unitId) : [...f[list], unitId],
    }));

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.lead) {
      setProblems(['Hãy chọn đơn vị chủ trì.']);
      return;
    }
    setBusy(true);
    setProblems([]);
    try {
      const updated = await api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}/direction`, {
        method: 'POST',
        body: JSON.stringify(directionBody(form, decisionId)),
      });
      setFound(updated);
      setDone(true);
    } catch (e) {
      setProblems(e instanceof ApiError ? e.problems.map((p) => (p.field ? `${p.field}: ` : '') + vietnamese(p.message)) : [(e as Error).message]);
    } finally {
      setBusy(false);
    }
  }

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!found) return <p role="status">Đang tải…</p>;
  const d = found.document;
  const canDirect = found.status === 'awaiting_direction' && hasRole(session, 'leader') && found.leader?.user_id === session?.person.user_id;
  const today = vietnamToday();

  return (
    <article aria-labelledby="trich-yeu">
      <p className="muted">
        <Link to="/chi-dao">Văn bản chờ chỉ đạo</Link> · {label(CASE_STATUSES, found.status)}
      </p>
      <h1 id="trich-yeu">{d.subject}</h1>
      <div className="two-columns">
        <section className="card" aria-labelledby="thong-tin">
          <h2 id="thong-tin">Thông tin văn bản</h2>
          <dl className="facts">
            <div><dt>Số đến</dt><dd>{d.arrival_number}</dd></div>
            <div><dt>Ngày đến</dt><dd>{formatDateTime(d.received_at)}</dd></div>
            {d.document_type_code && <div><dt>Loại văn bản</dt><dd>{label(DOCUMENT_TYPES, d.document_type_code)}</dd></div>}
            <div><dt>Cơ quan ban hành</dt><dd>{d.issuer_name}</dd></div>
            <div><dt>Độ khẩn</dt><dd><span className={`urgency u-${d.urgency}`}>{label(URGENCIES, d.urgency)}</span></dd></div>
            <div><dt>Hạn xử lý</dt><dd>{formatDate(d.due_date) || 'Không có'}</dd></div>
            <div><dt>Trình lãnh đạo</dt><dd>{found.leader?.full_name}</dd></div>
          </dl>
          <p>
            <Link to={`/van-ban/${found.document_id}`}>Xem văn bản và tệp đính kèm</Link>
          </p>
        </section>

        {canDirect && (
          <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="chi-dao" noValidate>
            <h2 id="chi-dao">Ý kiến chỉ đạo</h2>
            {problems.length > 0 && (
              <div className="error" role="alert">
                {problems.map((p) => <p key={p}>{p}</p>)}
              </div>
            )}
            <div className="field">
              <label htmlFor="y-kien">Nội dung chỉ đạo</label>
              <textarea id="y-kien" rows={4} value={form.text} onChange={(e) => setForm({ ...form, text: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="chu-tri">Đơn vị chủ trì</label>
              <select id="chu-tri" value={form.lead} onChange={(e) => setForm({ ...form, lead: e.target.value })}>
                <option value="">— Chọn đơn vị —</option>
                {units.map((u) => (
                  <option key={u.unit_id} value={u.unit_id}>{u.name}</option>
                ))}
              </select>
            </div>
            <fieldset className="field">
              <legend>Đơn vị phối hợp</legend>
              {units.filter((u) => u.unit_id !== form.lead).map((u) => (
                <label key={u.unit_id} className="check">
                  <input type="checkbox" value={u.unit_id} checked={form.coordinating.includes(u.unit_id)} onChange={() => toggle('coordinating', u.unit_id)} />
                  {u.name}
                </label>
              ))}
            </fieldset>
            <fieldset className="field">
              <legend>Đơn vị để biết</legend>
              {units.filter((u) => u.unit_id !== form.lead && !form.coordinating.includes(u.unit_id)).map((u) => (
                <label key={u.unit_id} className="check">
                  <input type="checkbox" value={u.unit_id} checked={form.information.includes(u.unit_id)} onChange={() => toggle('information', u.unit_id)} />
                  {u.name}
                </label>
              ))}
            </fieldset>
            <div className="field">
              <label htmlFor="han">Hạn xử lý</label>
              <input id="han" type="date" min={today} value={form.due} onChange={(e) => setForm({ ...form, due: e.target.value })} />
            </div>
            <button type="submit" className="primary" disabled={busy}>
              {busy ? 'Đang ghi…' : 'Giao xử lý'}
            </button>
          </form>
        )}

        {!canDirect && found.tasks.length === 0 && found.status === 'awaiting_direction' && (
          <p className="card">Văn bản đang chờ {found.leader?.full_name ?? 'lãnh đạo'} chỉ đạo.</p>
        )}
      </div>

      {done && (
        <p className="success-line" role="status">
          Đã giao xử lý văn bản.
        </p>
      )}
      {found.decisions.length > 0 && (
        <section className="card" aria-labelledby="y-kien-da-ghi">
          <h2 id="y-kien-da-ghi">Ý kiến chỉ đạo đã ghi</h2>
          {found.decisions.map((x) => (
            <blockquote key={x.decision_id}>
              <p>{x.text || '(không có nội dung)'}</p>
              <footer className="muted">
                {x.decided_by.full_name}, {formatDateTime(x.decided_at)}
                {x.on_behalf && ` · do ${x.recorded_by.full_name} nhập thay`}
              </footer>
            </blockquote>
          ))}
        </section>
      )}
      {found.tasks.length > 0 && (
        <section className="card" aria-labelledby="nhiem-vu">
          <h2 id="nhiem-vu">Phân công xử lý</h2>
          <div className="table-wrap">
            <table>
              <thead>
                <tr>
                  <th scope="col">Đơn vị / người xử lý</th>
                  <th scope="col">Vai trò</th>
                  <th scope="col">Hạn xử lý</th>
                  <th scope="col">Trạng thái</th>
                </tr>
              </thead>
              <tbody>
                {found.tasks.map((t) => (
                  <tr key={t.task_id}>
                    <td>{t.assignee.name || unitName(t.assignee.unit_id) || t.assignee.user_id}</td>
                    <td>{label(TASK_ROLES, t.role)}</td>
                    <td>{formatDate(t.due_date)}</td>
                    <td>{label(TASK_STATUSES, t.status)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      )}
    </article>
  );
}
