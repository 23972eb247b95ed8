// A document as the archive keeps it, for the auditor: its facts, its timeline from the
// tamper-evident history (a proxy entry marked as such), and a check of the hash chains.
import { useEffect, useState } from 'react';
import { Link, useParams } from 'react-router';
import { api, apiBlob } from '../api/client';
import { formatDate, formatDateTime } from '../dates';
import { sayError } from '../errors';
import { hasRole, useSession } from '../session';
import type { ArchiveSchema } from '../api/types';
import { StateAsOf } from './AuditStateAsOf';

type ArchivedDocument = ArchiveSchema<'DocumentOut'>;

type TimelineEntry = ArchiveSchema<'TimelineEntryOut'>;
type Verification = ArchiveSchema<'VerificationOut'>;

const ACTOR_ROLES: Record<string, string> = {
  registered_by: 'đăng ký',
  decided_by: 'quyết định',
  recorded_by: 'nhập',
  assigned_by: 'giao',
  assignee: 'nhận',
  reported_by: 'báo cáo',
  completed_by: 'hoàn thành',
  returned_by: 'trả lại',
  voided_by: 'hủy',
};

export function verificationText(v: Verification): string {
  if (v.intact) return `Toàn vẹn: đã kiểm tra ${v.records_checked} bản ghi và ${v.checkpoints_checked} điểm kiểm tra đã ký, không có sai lệch.`;
  const broken = v.first_broken_record;
  return `Phát hiện sai lệch${broken ? ` tại ${broken.topic}/${broken.partition}/${broken.offset}: ${broken.description}` : ''}${v.checkpoint_problems.length ? ` · ${v.checkpoint_problems.join('; ')}` : ''}.`;
}

export function AuditDocument() {
  const { documentId = '' } = useParams();
  const [document, setDocument] = useState<ArchivedDocument | null>(null);
  const [timeline, setTimeline] = useState<TimelineEntry[] | null>(null);
  const [verified, setVerified] = useState<Verification | null>(null);
  const [error, setError] = useState('');
  const [busy, setBusy] = useState(false);
  const { session } = useSession();
  const [bag, setBag] = useState<{ url: string; name: string; size: number } | null>(null);
  const [packing, setPacking] = useState(false);
  const [packError, setPackError] = useState('');

  useEffect(() => () => void (bag && URL.revokeObjectURL(bag.url)), [bag]);

  /** The archival package (BagIt, zip) the archive builds for the document, fetched with the
   * token and saved by the browser from a blob: URL. */
  async function downloadPackage() {
    setPacking(true);
    setPackError('');
    try {
      const blob = await apiBlob('archive', `/archive/documents/${encodeURIComponent(documentId)}/package`);
      const next = { url: URL.createObjectURL(blob), name: `bag-${documentId}.zip`, size: blob.size };
      setBag(next);
      const link = window.document.createElement('a');
      link.href = next.url;
      link.download = next.name;
      link.click();
    } catch (e) {
      setPackError(`Không tạo được gói lưu trữ: ${sayError(e)}`);
    } finally {
      setPacking(false);
    }
  }

  useEffect(() => {
    const id = encodeURIComponent(documentId);
    Promise.all([
      api<ArchivedDocument>('archive', `/archive/documents/${id}`),
      api<ArchiveSchema<'TimelineOut'>>('archive', `/archive/documents/${id}/timeline`),
    ])
      .then(([d, t]) => (setDocument(d), setTimeline(t.entries)))
      .catch((e: unknown) => setError(`Không tải được văn bản: ${sayError(e)}`));
  }, [documentId]);

  async function verify() {
    setBusy(true);
    setError('');
    try {
      setVerified(await api<Verification>('archive', '/archive/audit/verify'));
    } catch (e) {
      setError(`Không kiểm tra được: ${sayError(e)}`);
    } finally {
      setBusy(false);
    }
  }

  if (error && !document) return <p className="error" role="alert">{error}</p>;
  if (!document || !timeline) return <p role="status">Đang tải…</p>;
  return (
    <article aria-labelledby="trich-yeu">
      <p className="muted"><Link to="/tra-cuu">Tra cứu</Link> · {document.notation}</p>
      <h1 id="trich-yeu">{document.subject}</h1>
      <p className="muted">
        {[document.issuer?.name, document.issued_date && `ban hành ${formatDate(document.issued_date)}`, document.received_at && `đến ${formatDateTime(document.received_at)}`].filter(Boolean).join(' · ')}
      </p>
      <section className="card" aria-labelledby="dong-thoi-gian">
        <h2 id="dong-thoi-gian">Quá trình xử lý</h2>
        <ol className="timeline">
          {timeline.map((e) => (
            <li key={e.event_id}>
              <time dateTime={e.occurred_at}>{formatDateTime(e.occurred_at)}</time>{' '}
              <span>{e.summary}</span>
              {e.on_behalf && <> <span className="badge proxy" title="Thư ký nhập thay lãnh đạo (thừa lệnh)">Nhập thay</span></>}
              <div className="muted">
                {e.actors.map((a) => `${a.full_name ?? a.user_id} (${ACTOR_ROLES[a.role] ?? a.role})`).join(', ')}
              </div>
            </li>
          ))}
        </ol>
      </section>
      {hasRole(session, 'auditor') && <StateAsOf documentId={documentId} />}
      {hasRole(session, 'auditor') && (
        <section className="card" aria-labelledby="goi-luu-tru">
          <h2 id="goi-luu-tru">Gói lưu trữ</h2>
          <p className="muted">Gói BagIt (tệp .zip) gồm bản gốc, các tệp dẫn xuất, siêu dữ liệu và lịch sử xử lý của văn bản, kèm mã băm từng tệp.</p>
          {packError && <p className="error" role="alert">{packError}</p>}
          <button type="button" className="secondary" disabled={packing} onClick={() => void downloadPackage()}>
            {packing ? 'Đang tạo gói…' : 'Tải gói lưu trữ'}
          </button>
          {bag && (
            <p role="status">
              Đã tạo gói: <a href={bag.url} download={bag.name}>{bag.name}</a> ({Math.max(1, Math.round(bag.size / 1024))} KB)
            </p>
          )}
        </section>
      )}
      {hasRole(session, 'auditor') && <section className="card" aria-labelledby="kiem-tra">
        <h2 id="kiem-tra">Kiểm tra tính toàn vẹn</h2>
        <p className="muted">Đối chiếu chuỗi băm của toàn bộ lịch sử lưu trữ và các điểm kiểm tra đã ký.</p>
        {error && <p className="error" role="alert">{error}</p>}
        <button type="button" className="secondary" disabled={busy} onClick={() => void verify()}>
          {busy ? 'Đang kiểm tra…' : 'Kiểm tra chuỗi băm'}
        </button>
        {verified && (
          <p role="status" className={verified.intact ? 'success-line' : 'error'}>
            {verificationText(verified)}
          </p>
        )}
      </section>}
    </article>
  );
}
