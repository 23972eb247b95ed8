import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import type { DirectoryUnit, Draft, RoutingCase } from '../api/types';
import { DecidedBy } from '../components/DecidedBy';
import { assignmentsOf, DirectionFields, EMPTY_DIRECTION } from '../components/DirectionFields';
import type { DirectionForm } from '../components/DirectionFields';
import { WorkingDays } from '../components/WorkingDays';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { sayError } from '../errors';
import { CASE_STATUSES, DECISION_KINDS, DOCUMENT_TYPES, label, TASK_ROLES, TASK_STATUSES, URGENCIES } from '../labels';
import { hasRole, useSession } from '../session';
import { DraftLine } from './TaskPage';

export type { DirectionForm };

/** The body of routing's POST /cases/{id}/direction for what the leader chose. */
export function directionBody(form: DirectionForm, decisionId: string) {
  return { decision_id: decisionId, text: form.text.trim() || undefined, assignments: assignmentsOf(form) };
}

/** The secretary's proxy entry: the leader's paper direction as JSON, with the scanned slip. */
export function onBehalfForm(form: DirectionForm, decisionId: string, leaderUserId: string, slipDate: string, slip: File): FormData {
  const body = new FormData();
  body.append(
    'payload',
    JSON.stringify({ ...directionBody(form, decisionId), decided_by_user_id: leaderUserId, decided_at: `${slipDate}T00:00:00+07:00` }),
  );
  body.append('slip', slip, slip.name);
  return body;
}

export function CasePage() {
  const { caseId = '' } = useParams();
  const { session } = useSession();
  const [found, setFound] = useState<RoutingCase | null>(null);
  const [units, setUnits] = useState<DirectoryUnit[]>([]);
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');

  const load = useCallback(async () => {
    try {
      const [c, u] = await Promise.all([
        api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}`),
        api<DirectoryUnit[]>('routing', '/directory/units'),
      ]);
      setFound(c);
      setUnits(u.filter((x) => x.active));
    } catch (e) {
      setError(`Không tải được văn bản: ${sayError(e)}`);
    }
  }, [caseId]);

  useEffect(() => {
    void load();
  }, [load]);

  if (error && !found) return <p className="error" role="alert">{error}</p>;
  if (!found) return <p role="status">Đang tải…</p>;
  const d = found.document;
  const awaiting = found.status === 'awaiting_direction';
  const isTheLeader = hasRole(session, 'leader') && found.leader?.user_id === session?.person.user_id;
  const canDirect = awaiting && isTheLeader;
  const canEnterForLeader = awaiting && hasRole(session, 'secretary') && !!found.leader;
  const unitName = (id: string | null) => units.find((u) => u.unit_id === id)?.name ?? id ?? '';
  const changed = (message: string) => (next: RoutingCase) => {
    setFound(next);
    setSaid(message);
  };

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

        {canDirect && <LeaderDirection caseId={caseId} units={units} due={d.due_date} onDone={changed('Đã giao xử lý văn bản.')} />}
        {canEnterForLeader && (
          <ProxyDirection
            found={found}
            units={units}
            onDone={changed(`Đã nhập ý kiến chỉ đạo của ${found.leader?.full_name} theo phiếu giải quyết.`)}
          />
        )}
        {!canDirect && !canEnterForLeader && found.tasks.length === 0 && awaiting && (
          <p className="card">Văn bản đang chờ {found.leader?.full_name ?? 'lãnh đạo'} chỉ đạo.</p>
        )}
      </div>

      {said && (
        <p className="success-line" role="status">
          {said}
        </p>
      )}
      <CaseDrafts found={found} canDecide={isTheLeader} onDone={changed} />
      {found.decisions.length > 0 && (
        <section className="card" aria-labelledby="y-kien-da-ghi">
          <h2 id="y-kien-da-ghi">Ý kiến chỉ đạo đã ghi</h2>
          {found.decisions.map((x) => (
            <blockquote key={x.decision_id}>
              <p>
                <span className="muted">{label(DECISION_KINDS, x.kind)}: </span>
                {x.text || '(không có nội dung)'}
              </p>
              <footer>
                <DecidedBy authorship={x} />
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

function LeaderDirection({ caseId, units, due, onDone }: { caseId: string; units: DirectoryUnit[]; due: string | null; onDone: (c: RoutingCase) => void }) {
  const [form, setForm] = useState<DirectionForm>({ ...EMPTY_DIRECTION, due: due ?? '' });
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  // One decision id per form: sending the same direction twice records it once.
  const decisionId = useMemo(() => crypto.randomUUID(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (!form.lead) return setProblems(['Hãy chọn đơn vị chủ trì.']);
    setBusy(true);
    setProblems([]);
    try {
      onDone(
        await api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}/direction`, {
          method: 'POST',
          body: JSON.stringify(directionBody(form, decisionId)),
        }),
      );
    } catch (e) {
      setProblems([sayError(e)]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="chi-dao" noValidate>
      <h2 id="chi-dao">Ý kiến chỉ đạo</h2>
      {problems.length > 0 && (
        <div className="error" role="alert">
          {problems.map((p) => <p key={p}>{p}</p>)}
        </div>
      )}
      <DirectionFields form={form} onChange={setForm} units={units} calendar={<WorkingDays chosen={form.due} />} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Đang ghi…' : 'Giao xử lý'}
      </button>
    </form>
  );
}

function ProxyDirection({ found, units, onDone }: { found: RoutingCase; units: DirectoryUnit[]; onDone: (c: RoutingCase) => void }) {
  const leader = found.leader!;
  const [form, setForm] = useState<DirectionForm>({ ...EMPTY_DIRECTION, due: found.document.due_date ?? '' });
  const [slipDate, setSlipDate] = useState(vietnamToday());
  const [problems, setProblems] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const slip = useRef<HTMLInputElement>(null);
  const decisionId = useMemo(() => crypto.randomUUID(), []);

  async function submit(event: FormEvent) {
    event.preventDefault();
    const scan = slip.current?.files?.[0];
    const missing = [!scan && 'Hãy đính kèm bản quét phiếu giải quyết văn bản đến.', !form.lead && 'Hãy chọn đơn vị chủ trì.'].filter(Boolean) as string[];
    if (missing.length) return setProblems(missing);
    setBusy(true);
    setProblems([]);
    try {
      onDone(
        await api<RoutingCase>('routing', `/cases/${encodeURIComponent(found.case_id)}/direction/on-behalf`, {
          method: 'POST',
          body: onBehalfForm(form, decisionId, leader.user_id, slipDate, scan!),
        }),
      );
    } catch (e) {
      setProblems([sayError(e)]);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" onSubmit={(e) => void submit(e)} aria-labelledby="nhap-thay" noValidate>
      <h2 id="nhap-thay">Nhập ý kiến chỉ đạo thay lãnh đạo</h2>
      <p className="notice">
        Ý kiến của <strong>{[leader.full_name, leader.position].filter(Boolean).join(', ')}</strong> ghi trên phiếu giải quyết văn bản đến;
        hệ thống ghi rõ bạn là người nhập thay.
      </p>
      {problems.length > 0 && (
        <div className="error" role="alert">
          {problems.map((p) => <p key={p}>{p}</p>)}
        </div>
      )}
      <div className="field">
        <label htmlFor="phieu">Bản quét phiếu giải quyết (PDF, PNG, JPEG, TIFF)</label>
        <input id="phieu" ref={slip} type="file" accept="application/pdf,image/png,image/jpeg,image/tiff" />
      </div>
      <div className="field">
        <label htmlFor="ngay-phieu">Ngày ghi trên phiếu</label>
        <input id="ngay-phieu" type="date" max={vietnamToday()} value={slipDate} onChange={(e) => setSlipDate(e.target.value)} />
      </div>
      <DirectionFields form={form} onChange={setForm} units={units} calendar={<WorkingDays chosen={form.due} />} />
      <button type="submit" className="primary" disabled={busy}>
        {busy ? 'Đang ghi…' : 'Ghi ý kiến chỉ đạo'}
      </button>
    </form>
  );
}

/** The case's drafts; the leader the document was presented to approves or returns the reviewed ones. */
function CaseDrafts({ found, canDecide, onDone }: { found: RoutingCase; canDecide: boolean; onDone: (message: string) => (c: RoutingCase) => void }) {
  const drafts = found.drafts ?? [];
  if (!drafts.length) return null;
  return (
    <section className="card" aria-labelledby="du-thao-vb">
      <h2 id="du-thao-vb">Dự thảo văn bản trả lời</h2>
      <ul className="drafts">
        {drafts.map((x) => (
          <li key={x.draft_id}>
            <DraftLine caseId={found.case_id} draft={x} />
            {canDecide && x.status === 'reviewed' && <LeaderDraftDecision caseId={found.case_id} draft={x} onDone={onDone} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

function LeaderDraftDecision({ caseId, draft, onDone }: { caseId: string; draft: Draft; onDone: (message: string) => (c: RoutingCase) => void }) {
  const [comment, setComment] = useState('');
  const [problem, setProblem] = useState('');
  const [busy, setBusy] = useState(false);
  const decisionId = useMemo(() => crypto.randomUUID(), []);
  async function decide(approve: boolean) {
    if (!approve && !comment.trim()) return setProblem('Ý kiến: cần ghi lý do trả lại dự thảo.');
    setBusy(true);
    setProblem('');
    try {
      const next = await api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}/drafts/${encodeURIComponent(draft.draft_id)}/${approve ? 'approval' : 'return'}`, {
        method: 'POST',
        body: JSON.stringify({ decision_id: decisionId, comment: comment.trim() || undefined }),
      });
      onDone(approve ? 'Đã phê duyệt dự thảo; văn thư sẽ phát hành văn bản.' : 'Đã trả lại dự thảo.')(next);
    } catch (e) {
      setProblem(sayError(e));
    } finally {
      setBusy(false);
    }
  }
  return (
    <div className="review">
      {problem && <p className="error" role="alert">{problem}</p>}
      <div className="field">
        <label htmlFor={`yk-${draft.draft_id}`}>Ý kiến của lãnh đạo</label>
        <textarea id={`yk-${draft.draft_id}`} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      </div>
      <p className="actions">
        <button type="button" className="primary" disabled={busy} onClick={() => void decide(true)}>Phê duyệt dự thảo</button>
        <button type="button" className="secondary" disabled={busy} onClick={() => void decide(false)}>Trả lại dự thảo</button>
      </p>
    </div>
  );
}
