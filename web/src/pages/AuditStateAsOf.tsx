// The auditor's replay of one document: what the archive knew of it at a moment (its status,
// the leaders' decisions, who it was given to), folded from the tamper-evident event store, and
// the chain position it was computed from, so the answer can be checked against the hash chains.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { api, ApiError } from '../api/client';
import type { ArchiveSchema } from '../api/types';
import { formatDate, formatDateTime } from '../dates';
import { sayError } from '../errors';
import { DECISION_KINDS, label, TASK_ROLES, TASK_STATUSES } from '../labels';

type DocumentState = ArchiveSchema<'DocumentStateOut'>;

export const ARCHIVE_STATUSES: Record<string, string> = {
  registered: 'Đã vào sổ',
  issued: 'Đã phát hành',
  in_progress: 'Đang xử lý',
  completed: 'Hoàn thành',
  returned: 'Bị trả lại',
  voided: 'Đã hủy đăng ký',
  package_received: 'Đã nhận gói tin liên thông',
};

/** `2026-11-20T10:30` typed in Vietnam's time → `2026-11-20T10:30:00+07:00` (RFC 3339). */
export function vietnamInstant(local: string): string {
  const match = /^(\d{4}-\d{2}-\d{2})T(\d{2}:\d{2})(:\d{2})?$/.exec(local);
  return match ? `${match[1]}T${match[2]}${match[3] ?? ':00'}+07:00` : local;
}

/** The archive words its refusals "English (tiếng Việt)": the Vietnamese part when there is one. */
function saidInVietnamese(message: string): string {
  const match = /\(([^()]*)\)$/.exec(message);
  return match ? `${match[1].charAt(0).toUpperCase()}${match[1].slice(1)}.` : message;
}

export function StateAsOf({ documentId }: { documentId: string }) {
  const [moment, setMoment] = useState('');
  const [state, setState] = useState<DocumentState | null>(null);
  const [problem, setProblem] = useState('');
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);

  async function look(event: FormEvent) {
    event.preventDefault();
    setProblem('');
    setError('');
    if (!moment) {
      setProblem('Bắt buộc nhập thời điểm.');
      return;
    }
    setBusy(true);
    try {
      const query = new URLSearchParams({ as_of: vietnamInstant(moment) });
      setState(await api<DocumentState>('archive', `/archive/documents/${encodeURIComponent(documentId)}/state?${query}`));
    } catch (e) {
      setState(null);
      const atField = e instanceof ApiError ? e.problems.find((p) => p.field.replace(/^query\./, '') === 'as_of') : undefined;
      if (atField) setProblem(saidInVietnamese(atField.message));
      else setError(`Không xem được trạng thái: ${sayError(e)}`);
    } finally {
      setBusy(false);
    }
  }

  const last = state?.computed_from.last_record;
  return (
    <section className="card" aria-labelledby="trang-thai-thoi-diem">
      <h2 id="trang-thai-thoi-diem">Trạng thái tại một thời điểm</h2>
      <p className="muted">Dựng lại từ lịch sử lưu trữ những gì đã được ghi nhận đến thời điểm chọn: trạng thái, ý kiến chỉ đạo, việc đã giao.</p>
      <form onSubmit={(e) => void look(e)} noValidate>
        <div className={`field${problem ? ' invalid' : ''}`}>
          <label htmlFor="as-of">Thời điểm (giờ Việt Nam)</label>
          <input id="as-of" type="datetime-local" step="1" value={moment} onChange={(e) => setMoment(e.target.value)}
            aria-invalid={problem ? true : undefined} aria-describedby={problem ? 'as-of-e' : undefined} />
          {problem && <p id="as-of-e" className="field-error">{problem}</p>}
        </div>
        <button type="submit" className="secondary" disabled={busy}>{busy ? 'Đang dựng lại…' : 'Xem trạng thái'}</button>
      </form>
      {error && <p className="error" role="alert">{error}</p>}
      {state && (
        <section aria-labelledby="trang-thai-luc">
          <h3 id="trang-thai-luc">Lúc {formatDateTime(state.as_of)}</h3>
          {!state.known && <p>Đến thời điểm này lưu trữ chưa ghi nhận việc vào sổ văn bản.</p>}
          {state.document && (
            <p>
              {state.document.notation} · {state.document.subject}
              {' · '}vào sổ {formatDateTime(state.document.received_at)}
            </p>
          )}
          {state.status && (
            <p>Trạng thái: <strong>{label(ARCHIVE_STATUSES, state.status)}</strong>{state.status_at && ` (từ ${formatDateTime(state.status_at)})`}</p>
          )}
          {state.voided && <p>Lý do hủy: {state.voided.reason}</p>}
          <h4>Ý kiến chỉ đạo</h4>
          {state.decisions.length === 0 ? <p className="muted">Chưa có.</p> : (
            <ul aria-label="Ý kiến chỉ đạo">
              {state.decisions.map((d) => (
                <li key={d.decision_id}>
                  {formatDateTime(d.decided_at)} · {label(DECISION_KINDS, d.kind)} của {d.decided_by.full_name || d.decided_by.user_id}
                  {d.on_behalf && ` (nhập thay: ${d.recorded_by.full_name || d.recorded_by.user_id})`}
                  {d.text && `: ${d.text}`}
                </li>
              ))}
            </ul>
          )}
          <h4>Việc đã giao</h4>
          {state.tasks.length === 0 ? <p className="muted">Chưa có.</p> : (
            <ul aria-label="Việc đã giao">
              {state.tasks.map((t) => (
                <li key={t.task_id}>
                  {label(TASK_ROLES, t.role)}: {t.unit_id ?? t.user_id} · {label(TASK_STATUSES, t.state)}
                  {t.due_date && ` · hạn ${formatDate(t.due_date)}`}
                </li>
              ))}
            </ul>
          )}
          <p className="muted" role="status">
            Tính từ {state.computed_from.records_folded} bản ghi của chuỗi băm
            {last && <>; bản ghi cuối: {last.topic}/{last.partition}/{last.offset}, mã băm <code title={last.hash}>{last.hash.slice(0, 16)}…</code></>}
            .
          </p>
        </section>
      )}
    </section>
  );
}
