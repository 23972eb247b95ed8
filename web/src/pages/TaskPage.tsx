// One task of a case, for the people working on it: the unit head gives it to a specialist;
// whoever holds it reports progress, completes or returns it, and uploads the draft reply; the
// unit head reviews the unit's drafts. Every change carries its own decision id, so a second
// click on a slow network records it once.
import { useCallback, useEffect, useMemo, useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { Link, useParams } from 'react-router';
import { api } from '../api/client';
import type { DirectoryUser, Draft, RoutingCase, Task } from '../api/types';
import { DecidedBy } from '../components/DecidedBy';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { sayError } from '../errors';
import { CASE_STATUSES, DRAFT_STATUSES, label, TASK_ROLES, TASK_STATUSES, URGENCIES } from '../labels';
import { hasRole, useSession } from '../session';
import type { Session } from '../session';

const OPEN = ['assigned', 'in_progress'];

/** What the signed-in person may do with the task (routing checks again). */
export function allowedOn(task: Task, session: Session | null) {
  const me = session?.person;
  const open = OPEN.includes(task.status);
  const mine = !!me && task.assignee.user_id === me.user_id;
  const headsIt = !!me && !task.assignee.user_id && hasRole(session, 'unit_head') && me.unit_id === task.assignee.unit_id;
  return { work: open && (mine || headsIt), reassign: open && headsIt, review: headsIt };
}

/** The drafts of this task and, for the unit's task, of the specialists' tasks under it. */
export function draftsOf(c: RoutingCase, task: Task): Draft[] {
  const ids = new Set([task.task_id, ...c.tasks.filter((t) => t.parent_task_id === task.task_id).map((t) => t.task_id)]);
  return (c.drafts ?? []).filter((d) => ids.has(d.task_id));
}

export function TaskPage() {
  const { caseId = '', taskId = '' } = useParams();
  const { session } = useSession();
  const [found, setFound] = useState<RoutingCase | null>(null);
  const [people, setPeople] = useState<DirectoryUser[]>([]);
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');

  const load = useCallback(async () => {
    try {
      setFound(await api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}`));
    } catch (e) {
      setError(`Không tải được việc: ${sayError(e)}`);
    }
  }, [caseId]);

  useEffect(() => {
    void load();
    api<DirectoryUser[]>('routing', '/directory/users')
      .then((users) => setPeople(users.filter((u) => u.active)))
      .catch(() => setPeople([]));
  }, [load]);

  if (error && !found) return <p className="error" role="alert">{error}</p>;
  if (!found) return <p role="status">Đang tải…</p>;
  const task = found.tasks.find((t) => t.task_id === taskId);
  if (!task) return <p className="error" role="alert">Văn bản này không có việc {taskId}.</p>;

  const may = allowedOn(task, session);
  const path = `/cases/${encodeURIComponent(caseId)}/tasks/${encodeURIComponent(taskId)}`;
  const children = found.tasks.filter((t) => t.parent_task_id === task.task_id);
  const drafts = draftsOf(found, task);
  const nameOf = (userId: string | null) => people.find((p) => p.user_id === userId)?.full_name ?? userId ?? '';
  const done = (message: string) => (next: RoutingCase) => {
    setFound(next);
    setSaid(message);
  };
  const d = found.document;
  const agencyWide = hasRole(session, 'clerk', 'leader', 'secretary', 'auditor');

  return (
    <article aria-labelledby="trich-yeu">
      <p className="muted">
        <Link to="/viec">Việc của tôi</Link> · {label(CASE_STATUSES, found.status)}
      </p>
      <h1 id="trich-yeu">{d.subject}</h1>
      {said && <p className="success-line" role="status">{said}</p>}
      {error && <p className="error" role="alert">{error}</p>}
      <div className="two-columns">
        <section className="card" aria-labelledby="thong-tin-viec">
          <h2 id="thong-tin-viec">Nhiệm vụ</h2>
          <dl className="facts">
            <div><dt>Vai trò</dt><dd>{label(TASK_ROLES, task.role)}</dd></div>
            <div><dt>Người xử lý</dt><dd>{task.assignee.user_id ? nameOf(task.assignee.user_id) : (task.assignee.name ?? task.assignee.unit_id)}</dd></div>
            <div><dt>Hạn xử lý</dt><dd>{formatDate(task.due_date) || 'Không có'}</dd></div>
            <div><dt>Trạng thái</dt><dd>{label(TASK_STATUSES, task.status)}{task.percent_complete != null && ` · ${task.percent_complete}%`}</dd></div>
            <div><dt>Giao bởi</dt><dd><DecidedBy authorship={found.decisions.find((x) => x.decision_id === task.decision_id)} /></dd></div>
            {task.instructions && <div><dt>Yêu cầu</dt><dd>{task.instructions}</dd></div>}
            {task.progress_note && <div><dt>Tiến độ</dt><dd>{task.progress_note}</dd></div>}
            {task.result_note && <div><dt>Kết quả</dt><dd>{task.result_note}</dd></div>}
            {task.return_reason && <div><dt>Lý do trả lại</dt><dd>{task.return_reason}</dd></div>}
            <div><dt>Độ khẩn</dt><dd><span className={`urgency u-${d.urgency}`}>{label(URGENCIES, d.urgency)}</span></dd></div>
            <div><dt>Số đến</dt><dd>{d.arrival_number} · {formatDateTime(d.received_at)}</dd></div>
            {d.issuer_name && <div><dt>Cơ quan ban hành</dt><dd>{d.issuer_name}</dd></div>}
          </dl>
          {agencyWide && <p><Link to={`/van-ban/${found.document_id}`}>Xem văn bản và tệp đính kèm</Link></p>}
          {children.length > 0 && (
            <>
              <h3>Chuyên viên được giao</h3>
              <ul>
                {children.map((t) => (
                  <li key={t.task_id}>
                    {nameOf(t.assignee.user_id)} · {label(TASK_STATUSES, t.status)}
                    {t.due_date && ` · hạn ${formatDate(t.due_date)}`}
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>

        <div>
          {may.reassign && (
            <ReassignForm
              path={path}
              specialists={people.filter((p) => p.unit_id === task.assignee.unit_id && p.user_id !== session?.person.user_id)}
              due={task.due_date}
              onDone={done('Đã giao việc cho chuyên viên.')}
            />
          )}
          {may.work && (
            <>
              <ProgressForm path={path} onDone={done('Đã ghi tiến độ.')} />
              <TextAction
                title="Hoàn thành"
                field="Kết quả xử lý"
                button="Hoàn thành việc"
                body={(text) => ({ text: text || undefined })}
                url={`${path}/completion`}
                onDone={done('Đã hoàn thành việc.')}
              />
              <TextAction
                title="Trả lại"
                field="Lý do trả lại"
                button="Trả lại việc"
                required
                body={(reason) => ({ reason })}
                url={`${path}/return`}
                onDone={done('Đã trả lại việc.')}
              />
              <DraftUpload path={path} drafts={drafts.filter((x) => x.task_id === task.task_id)} onDone={done('Đã tải lên dự thảo.')} />
            </>
          )}
          {!may.work && !may.reassign && OPEN.includes(task.status) && (
            <p className="card">Việc này do {task.assignee.user_id ? nameOf(task.assignee.user_id) : 'lãnh đạo đơn vị'} xử lý.</p>
          )}
        </div>
      </div>
      <DraftList caseId={caseId} drafts={drafts} canReview={may.review} nameOf={nameOf} onDone={done} />
    </article>
  );
}

function useDecisionId(): [string, () => void] {
  const [id, setId] = useState(() => crypto.randomUUID());
  return [id, () => setId(crypto.randomUUID())];
}

function ActionCard({ title, problem, children, onSubmit }: { title: string; problem: string; children: ReactNode; onSubmit: (e: FormEvent) => void }) {
  const id = useMemo(() => `act-${title.replace(/\s+/g, '-')}`, [title]);
  return (
    <form className="card" aria-labelledby={id} onSubmit={onSubmit} noValidate>
      <h2 id={id}>{title}</h2>
      {problem && <p className="error" role="alert">{problem}</p>}
      {children}
    </form>
  );
}

function useSend(onDone: (c: RoutingCase) => void) {
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState('');
  async function send(url: string, body: object | FormData, after?: () => void) {
    setBusy(true);
    setProblem('');
    try {
      const answer = await api<RoutingCase | { case: RoutingCase }>('routing', url, {
        method: 'POST',
        body: body instanceof FormData ? body : JSON.stringify(body),
      });
      onDone('case' in answer ? answer.case : answer);
      after?.();
    } catch (e) {
      setProblem(sayError(e));
    } finally {
      setBusy(false);
    }
  }
  return { busy, problem, setProblem, send };
}

function ReassignForm({ path, specialists, due, onDone }: { path: string; specialists: DirectoryUser[]; due: string | null; onDone: (c: RoutingCase) => void }) {
  const [who, setWho] = useState('');
  const [until, setUntil] = useState(due ?? '');
  const [instructions, setInstructions] = useState('');
  const [decisionId, renew] = useDecisionId();
  const { busy, problem, setProblem, send } = useSend(onDone);
  function submit(e: FormEvent) {
    e.preventDefault();
    if (!who) return setProblem('Hãy chọn chuyên viên.');
    void send(
      `${path}/reassignment`,
      { decision_id: decisionId, assignments: [{ user_id: who, role: 'specialist', due_date: until || undefined, instructions: instructions.trim() || undefined }] },
      () => (setWho(''), setInstructions(''), renew()),
    );
  }
  return (
    <ActionCard title="Giao chuyên viên" problem={problem} onSubmit={submit}>
      <div className="field">
        <label htmlFor="chuyen-vien">Chuyên viên</label>
        <select id="chuyen-vien" value={who} onChange={(e) => setWho(e.target.value)}>
          <option value="">— Chọn chuyên viên —</option>
          {specialists.map((p) => (
            <option key={p.user_id} value={p.user_id}>{[p.full_name, p.position].filter(Boolean).join(' · ')}</option>
          ))}
        </select>
      </div>
      <div className="field">
        <label htmlFor="han-cv">Hạn xử lý</label>
        <input id="han-cv" type="date" min={vietnamToday()} max={due ?? undefined} value={until} onChange={(e) => setUntil(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="yeu-cau">Yêu cầu</label>
        <textarea id="yeu-cau" rows={2} value={instructions} onChange={(e) => setInstructions(e.target.value)} />
      </div>
      <button type="submit" className="primary" disabled={busy}>Giao việc</button>
    </ActionCard>
  );
}

function ProgressForm({ path, onDone }: { path: string; onDone: (c: RoutingCase) => void }) {
  const [percent, setPercent] = useState('');
  const [text, setText] = useState('');
  const [decisionId, renew] = useDecisionId();
  const { busy, problem, send } = useSend(onDone);
  function submit(e: FormEvent) {
    e.preventDefault();
    void send(
      `${path}/progress`,
      { decision_id: decisionId, text: text.trim() || undefined, percent_complete: percent === '' ? undefined : Number(percent) },
      () => (setText(''), renew()),
    );
  }
  return (
    <ActionCard title="Báo cáo tiến độ" problem={problem} onSubmit={submit}>
      <div className="field">
        <label htmlFor="phan-tram">Đã làm được (%)</label>
        <input id="phan-tram" type="number" min={0} max={100} value={percent} onChange={(e) => setPercent(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor="tien-do">Nội dung tiến độ</label>
        <textarea id="tien-do" rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <button type="submit" className="secondary" disabled={busy}>Ghi tiến độ</button>
    </ActionCard>
  );
}

function TextAction(props: {
  title: string;
  field: string;
  button: string;
  url: string;
  required?: boolean;
  body: (text: string) => object;
  onDone: (c: RoutingCase) => void;
}) {
  const [text, setText] = useState('');
  const [decisionId] = useDecisionId();
  const { busy, problem, setProblem, send } = useSend(props.onDone);
  const id = `f-${props.button.replace(/\s+/g, '-')}`;
  function submit(e: FormEvent) {
    e.preventDefault();
    if (props.required && !text.trim()) return setProblem(`${props.field}: bắt buộc nhập.`);
    void send(props.url, { decision_id: decisionId, ...props.body(text.trim()) });
  }
  return (
    <ActionCard title={props.title} problem={problem} onSubmit={submit}>
      <div className="field">
        <label htmlFor={id}>{props.field}</label>
        <textarea id={id} rows={2} value={text} onChange={(e) => setText(e.target.value)} />
      </div>
      <button type="submit" className="secondary" disabled={busy}>{props.button}</button>
    </ActionCard>
  );
}

function DraftUpload({ path, drafts, onDone }: { path: string; drafts: Draft[]; onDone: (c: RoutingCase) => void }) {
  const input = useRef<HTMLInputElement>(null);
  const appendices = useRef<HTMLInputElement>(null);
  const { busy, problem, setProblem, send } = useSend(onDone);
  // A new version replaces the latest returned draft of the task (routing requires it to say so).
  const returned = [...drafts].reverse().find((x) => x.status === 'returned' && !drafts.some((y) => y.supersedes === x.draft_id));
  function submit(e: FormEvent) {
    e.preventDefault();
    const file = input.current?.files?.[0];
    if (!file) return setProblem('Hãy chọn tệp dự thảo.');
    const form = new FormData();
    form.append('file', file, file.name);
    if (returned) form.append('supersedes', returned.draft_id);
    // The appendices in the order chosen: intake signs each at the top right of its first page.
    for (const appendix of Array.from(appendices.current?.files ?? [])) form.append('attachments', appendix, appendix.name);
    void send(`${path}/drafts`, form, () => {
      for (const chosen of [input.current, appendices.current]) if (chosen) chosen.value = '';
    });
  }
  return (
    <ActionCard title="Dự thảo văn bản trả lời" problem={problem} onSubmit={submit}>
      <div className="field">
        <label htmlFor="tep-du-thao">Tệp dự thảo (PDF, DOC, DOCX, ODT)</label>
        <input id="tep-du-thao" ref={input} type="file" accept=".pdf,.doc,.docx,.odt,application/pdf" />
        {returned && <small className="muted">Thay cho dự thảo bị trả lại: {returned.file.name}</small>}
      </div>
      <div className="field">
        <label htmlFor="tep-phu-luc">Phụ lục (PDF)</label>
        <input id="tep-phu-luc" ref={appendices} type="file" multiple accept=".pdf,application/pdf" />
        <small className="muted">Không bắt buộc; mỗi phụ lục một tệp PDF, theo thứ tự chọn.</small>
      </div>
      <button type="submit" className="secondary" disabled={busy}>Tải lên dự thảo</button>
    </ActionCard>
  );
}

function DraftList(props: {
  caseId: string;
  drafts: Draft[];
  canReview: boolean;
  nameOf: (id: string | null) => string;
  onDone: (message: string) => (c: RoutingCase) => void;
}) {
  if (!props.drafts.length) return null;
  return (
    <section className="card" aria-labelledby="du-thao">
      <h2 id="du-thao">Dự thảo</h2>
      <ul className="drafts">
        {props.drafts.map((x) => (
          <li key={x.draft_id}>
            <DraftLine caseId={props.caseId} draft={x} />
            {props.canReview && x.status === 'uploaded' && <ReviewForm caseId={props.caseId} draft={x} onDone={props.onDone} />}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** A draft as its drafter and reviewers see it: file, its appendices (with links when the case is
 * named), who uploaded it, where it stands and the review. */
export function DraftLine({ caseId, draft }: { caseId?: string; draft: Draft }) {
  const by = draft.approved_by ?? draft.returned_by ?? draft.reviewed_by;
  return (
    <div className="draft-line">
      <strong>{draft.file.name}</strong>{' '}
      <span className={`badge draft-${draft.status}`}>{label(DRAFT_STATUSES, draft.status)}</span>
      <div className="muted">
        {draft.uploaded_by.full_name} tải lên {formatDateTime(draft.uploaded_at)}
        {by && draft.status !== 'uploaded' && ` · ${by.full_name}`}
      </div>
      <Appendices caseId={caseId} draft={draft} />
      {draft.review_note && (
        <p className="review-note">
          Ý kiến: <q>{draft.review_note}</q>
        </p>
      )}
    </div>
  );
}

/** The draft's appendices in their order, each opened through routing's short-lived link. */
function Appendices({ caseId, draft }: { caseId?: string; draft: Draft }) {
  const appendices = draft.attachments ?? [];
  if (!appendices.length) return null;
  return (
    <div className="appendices">
      Phụ lục:
      <ol aria-label={`Phụ lục của dự thảo ${draft.file.name}`}>
        {appendices.map((a) => (
          <li key={a.file_id}>
            {caseId ? <FileLink caseId={caseId} file={a} /> : a.name}
          </li>
        ))}
      </ol>
    </div>
  );
}

function FileLink({ caseId, file }: { caseId: string; file: Draft['file'] }) {
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState('');
  async function open() {
    setProblem('');
    try {
      const link = await api<{ url: string }>('routing', `/cases/${encodeURIComponent(caseId)}/files/${encodeURIComponent(file.file_id)}/link`);
      setUrl(link.url);
    } catch (e) {
      setProblem(`Không mở được ${file.name}: ${sayError(e)}`);
    }
  }
  return (
    <>
      {url ? (
        <a href={url} target="_blank" rel="noopener noreferrer">Mở {file.name}</a>
      ) : (
        <button type="button" className="link" onClick={() => void open()}>{file.name}</button>
      )}
      {problem && <span className="error" role="alert"> {problem}</span>}
    </>
  );
}

function ReviewForm({ caseId, draft, onDone }: { caseId: string; draft: Draft; onDone: (message: string) => (c: RoutingCase) => void }) {
  const [comment, setComment] = useState('');
  const [decisionId] = useDecisionId();
  const forwarded = useSend(onDone('Đã chuyển dự thảo lên lãnh đạo.'));
  const returned = useSend(onDone('Đã trả lại dự thảo cho người soạn.'));
  const url = `/cases/${encodeURIComponent(caseId)}/drafts/${encodeURIComponent(draft.draft_id)}/review`;
  const busy = forwarded.busy || returned.busy;
  const problem = forwarded.problem || returned.problem;
  return (
    <div className="review">
      {problem && <p className="error" role="alert">{problem}</p>}
      <div className="field">
        <label htmlFor={`nx-${draft.draft_id}`}>Ý kiến xem xét</label>
        <textarea id={`nx-${draft.draft_id}`} rows={2} value={comment} onChange={(e) => setComment(e.target.value)} />
      </div>
      <p className="actions">
        <button type="button" className="primary" disabled={busy}
          onClick={() => void forwarded.send(url, { decision_id: decisionId, forward: true, comment: comment.trim() || undefined })}>
          Chuyển lãnh đạo duyệt
        </button>
        <button type="button" className="secondary" disabled={busy}
          onClick={() => (comment.trim()
            ? void returned.send(url, { decision_id: decisionId, forward: false, comment: comment.trim() })
            : returned.setProblem('Ý kiến xem xét: cần ghi lý do trả lại.'))}>
          Trả lại người soạn
        </button>
      </p>
    </div>
  );
}
