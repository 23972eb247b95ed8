// The auditor's search of the archive: words typed with or without diacritics (the archive folds
// them), filters by type, urgency and issue date; each hit leads to the document's timeline.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api, apiBlob, ApiError } from '../api/client';
import type { ArchiveSchema } from '../api/types';
import { formatDate, formatDateTime } from '../dates';
import { sayError } from '../errors';
import { CASE_STATUSES, DOCUMENT_TYPES, label, URGENCIES, vietnamese } from '../labels';
import { hasRole, useSession } from '../session';

/** A document as the archive lists it (archive's SearchHitOut). */
export type ArchivedDocument = ArchiveSchema<'SearchHitOut'>;

type Found = ArchiveSchema<'SearchPageOut'>;

export interface SearchForm {
  q: string;
  document_type: string;
  urgency: string;
  issued_from: string;
  issued_to: string;
}

export function searchQuery(form: SearchForm, page = 1): string {
  const query = new URLSearchParams({ q: form.q.trim(), prefix: 'true', page: String(page) });
  for (const name of ['document_type', 'urgency', 'issued_from', 'issued_to'] as const) {
    if (form[name]) query.set(name, form[name]);
  }
  return query.toString();
}

/** The auditor's export of a period's archived records (NDJSON with the chain hashes, checked
 * offline by `python -m vanthu_archive verify-export`): days in Vietnam, whole days. */
export function AuditExport() {
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);

  async function download(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setSaid('');
    try {
      const query = new URLSearchParams();
      if (from) query.set('from', `${from}T00:00:00+07:00`);
      if (to) query.set('to', `${to}T23:59:59+07:00`);
      const blob = await apiBlob('archive', `/archive/audit/export?${query}`);
      const name = `xuat-luu-tru-${from || 'dau'}-${to || 'nay'}.ndjson`;
      const link = window.document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = name;
      link.click();
      setSaid(`Đã xuất ${name}. Kiểm tra ngoại tuyến: python -m vanthu_archive verify-export ${name}`);
    } catch (e) {
      setSaid(`Không xuất được: ${sayError(e)}`);
    } finally {
      setBusy(false);
    }
  }

  return (
    <form className="card" aria-labelledby="xuat-du-lieu" onSubmit={(e) => void download(e)} noValidate>
      <h2 id="xuat-du-lieu">Xuất dữ liệu lưu trữ để kiểm tra</h2>
      <p className="muted">Các bản ghi sự kiện của cơ quan trong khoảng thời gian, kèm chuỗi băm và chữ ký số, để kiểm tra ngoại tuyến.</p>
      <div className="grid">
        <div className="field">
          <label htmlFor="x-from">Từ ngày</label>
          <input id="x-from" type="date" value={from} onChange={(e) => setFrom(e.target.value)} />
        </div>
        <div className="field">
          <label htmlFor="x-to">Đến ngày</label>
          <input id="x-to" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </div>
      </div>
      <button type="submit" className="secondary" disabled={busy}>{busy ? 'Đang xuất…' : 'Xuất dữ liệu'}</button>
      {said && <p role="status">{said}</p>}
    </form>
  );
}

const DIRECTIONS: Record<string, string> = { outgoing: 'Văn bản đi', incoming: 'Văn bản đến', copy: 'Bản sao' };

const ACTION_KINDS: Record<string, string> = {
  registered: 'Vào sổ', issued: 'Phát hành', digitized: 'Số hóa', signature_checked: 'Kiểm tra chữ ký', voided: 'Hủy đăng ký',
  decided: 'Cho ý kiến', assigned: 'Giao việc', progress: 'Báo cáo tiến độ', completed: 'Hoàn thành', returned: 'Trả lại', urged: 'Đôn đốc', copied: 'Sao văn bản',
  exchange_requested: 'Gửi liên thông', status_sent: 'Báo trạng thái', filed: 'Lập hồ sơ',
};

/** The auditor's report of what one person did (archive's /audit/actions): every action counted,
 * one on a document the auditor may not see shown without its document or summary. */
export function AuditActions() {
  const [userId, setUserId] = useState('');
  const [actions, setActions] = useState<ArchiveSchema<'ActionsOut'> | null>(null);
  const [error, setError] = useState('');

  async function look(event: FormEvent) {
    event.preventDefault();
    setError('');
    try {
      setActions(await api<ArchiveSchema<'ActionsOut'>>('archive', `/archive/audit/actions?${new URLSearchParams({ user_id: userId.trim() })}`));
    } catch (e) {
      setActions(null);
      setError(`Không xem được: ${sayError(e)}`);
    }
  }

  return (
    <form className="card" aria-labelledby="hoat-dong" onSubmit={(e) => void look(e)} noValidate>
      <h2 id="hoat-dong">Hoạt động của một người</h2>
      <div className="field">
        <label htmlFor="a-user">Tên đăng nhập</label>
        <input id="a-user" value={userId} onChange={(e) => setUserId(e.target.value)} />
      </div>
      <button type="submit" className="secondary" disabled={!userId.trim()}>Xem hoạt động</button>
      {error && <p className="error" role="alert">{error}</p>}
      {actions && (
        <ol aria-label={`Hoạt động của ${actions.user_id}`}>
          {actions.actions.length === 0 && <li className="muted">Không có hoạt động nào.</li>}
          {actions.actions.map((a, i) => (
            <li key={i}>
              {formatDateTime(a.occurred_at)} · {ACTION_KINDS[a.kind] ?? a.kind}
              {a.on_behalf && ' (nhập thay)'}
              {a.masked ? ' · văn bản mật bạn không được xem' : <> · <Link to={`/tra-cuu/${a.document_id}`}>{a.summary}</Link></>}
            </li>
          ))}
        </ol>
      )}
    </form>
  );
}

export function AuditSearch() {
  const { session } = useSession();
  const [form, setForm] = useState<SearchForm>({ q: '', document_type: '', urgency: '', issued_from: '', issued_to: '' });
  const [found, setFound] = useState<Found | null>(null);
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  async function search(event: FormEvent | null, page = 1) {
    event?.preventDefault();
    setBusy(true);
    setProblems({});
    try {
      setFound(await api<Found>('archive', `/archive/search?${searchQuery(form, page)}`));
    } catch (e) {
      if (e instanceof ApiError && e.problems.some((p) => p.field)) {
        setProblems(Object.fromEntries(e.problems.map((p) => [p.field.replace(/^query\./, ''), vietnamese(p.message)])));
      } else setProblems({ '': sayError(e) });
    } finally {
      setBusy(false);
    }
  }

  const input = (name: keyof SearchForm, text: string, type = 'text') => (
    <div className={`field${problems[name] ? ' invalid' : ''}`}>
      <label htmlFor={`s-${name}`}>{text}</label>
      <input id={`s-${name}`} type={type} value={form[name]} onChange={(e) => setForm({ ...form, [name]: e.target.value })}
        aria-invalid={problems[name] ? true : undefined} aria-describedby={problems[name] ? `s-${name}-e` : undefined} />
      {problems[name] && <p id={`s-${name}-e`} className="field-error">{problems[name]}</p>}
    </div>
  );

  return (
    <section aria-labelledby="tra-cuu">
      <h1 id="tra-cuu">Tra cứu văn bản lưu trữ</h1>
      <form className="card" role="search" onSubmit={(e) => void search(e)} noValidate>
        {problems[''] && <p className="error" role="alert">{problems['']}</p>}
        {input('q', 'Từ khóa (có thể gõ không dấu)', 'search')}
        <div className="grid">
          <div className="field">
            <label htmlFor="s-document_type">Loại văn bản</label>
            <select id="s-document_type" value={form.document_type} onChange={(e) => setForm({ ...form, document_type: e.target.value })}>
              <option value="">Tất cả</option>
              {DOCUMENT_TYPES.map(([code, text]) => <option key={code} value={code}>{text}</option>)}
            </select>
          </div>
          <div className="field">
            <label htmlFor="s-urgency">Độ khẩn</label>
            <select id="s-urgency" value={form.urgency} onChange={(e) => setForm({ ...form, urgency: e.target.value })}>
              <option value="">Tất cả</option>
              {URGENCIES.map(([code, text]) => <option key={code} value={code}>{text}</option>)}
            </select>
          </div>
          {input('issued_from', 'Ban hành từ ngày', 'date')}
          {input('issued_to', 'Ban hành đến ngày', 'date')}
        </div>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang tìm…' : 'Tìm kiếm'}</button>
      </form>

      {hasRole(session, 'auditor') && <AuditExport />}
      {hasRole(session, 'auditor') && <AuditActions />}

      {found && (
        <section aria-labelledby="ket-qua">
          <h2 id="ket-qua">{found.total_is_exact ? '' : 'Khoảng '}{found.total} văn bản</h2>
          <ol className="results">
            {found.items.map((d) => (
              <li key={d.document_id} className="card">
                <Link to={`/tra-cuu/${d.document_id}`} className="subject">{d.subject ?? '(không có trích yếu)'}</Link>
                <div className="muted">
                  {[
                    DIRECTIONS[d.direction ?? ''] ?? 'Văn bản đến',
                    d.notation,
                    d.document_type?.name ?? label(DOCUMENT_TYPES, d.document_type?.code),
                    d.issuer?.name,
                    d.issued_date && `ban hành ${formatDate(d.issued_date)}`,
                    d.received_at && `đến ${formatDateTime(d.received_at)}`,
                    d.urgency && label(URGENCIES, d.urgency),
                    d.status && label(CASE_STATUSES, d.status),
                  ].filter(Boolean).join(' · ')}
                </div>
              </li>
            ))}
          </ol>
          <p className="actions">
            <button type="button" className="secondary" disabled={found.page <= 1} onClick={() => void search(null, found.page - 1)}>Trang trước</button>
            <button type="button" className="secondary" disabled={found.page * found.page_size >= found.total} onClick={() => void search(null, found.page + 1)}>Trang sau</button>
          </p>
        </section>
      )}
    </section>
  );
}
