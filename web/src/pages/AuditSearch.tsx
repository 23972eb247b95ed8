// The auditor's search of the archive: words typed with or without diacritics (the archive folds
// them), filters by type, urgency and issue date; each hit leads to the document's timeline.
import { useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { ArchiveSchema } from '../api/types';
import { formatDate, formatDateTime } from '../dates';
import { sayError } from '../errors';
import { CASE_STATUSES, DOCUMENT_TYPES, label, URGENCIES, vietnamese } from '../labels';

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

export function AuditSearch() {
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

      {found && (
        <section aria-labelledby="ket-qua">
          <h2 id="ket-qua">{found.total_is_exact ? '' : 'Khoảng '}{found.total} văn bản</h2>
          <ol className="results">
            {found.items.map((d) => (
              <li key={d.document_id} className="card">
                <Link to={`/tra-cuu/${d.document_id}`} className="subject">{d.subject ?? '(không có trích yếu)'}</Link>
                <div className="muted">
                  {[
                    d.direction === 'outgoing' ? 'Văn bản đi' : 'Văn bản đến',
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
