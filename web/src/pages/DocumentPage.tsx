import { metadataOf } from '../api/documents';
import { useCallback, useEffect, useState } from 'react';
import { useLocation, useParams } from 'react-router';
import { CaseWork } from '../components/CaseWork';
import { FileViewer } from '../components/FileViewer';
import type { ViewedFile } from '../components/FileViewer';
import { OutgoingStatus } from '../components/OutgoingStatus';
import { SignatureReport } from '../components/SignatureReport';
import { api, ApiError } from '../api/client';
import type { IntakeDocument, OcrResult, StoredFile } from '../api/types';
import { formatDate, formatDateTime } from '../dates';
import { CHANNELS, CONFIDENTIALITIES, DOCUMENT_TYPES, label, URGENCIES } from '../labels';
import { useLiveReload } from '../live';

const SIGNATURES: Record<string, string> = {
  valid: 'Chữ ký số hợp lệ',
  invalid: 'Chữ ký số không hợp lệ',
  untrusted: 'Chữ ký số chưa được tin cậy',
  unsigned: 'Không có chữ ký số',
};

interface PageReading {
  number: number;
  confidence: number;
  needs_review: boolean;
}

function ocrStatus(result: OcrResult | undefined, channel: string | null): string {
  if (!result) return channel === 'paper' ? 'Đang số hóa…' : 'Không cần số hóa (văn bản điện tử)';
  if (result.error) return `Cần kiểm tra: số hóa không được (${result.error})`;
  const pages = (result.pages ?? []) as PageReading[];
  const review = pages.filter((p) => p.needs_review).map((p) => p.number);
  const done = `Đã số hóa ${pages.length} trang`;
  return review.length ? `${done}; cần kiểm tra trang ${review.join(', ')}` : done;
}

function signatureOf(value: unknown): string {
  const result = typeof value === 'object' && value !== null ? (value as { result?: string }).result : undefined;
  return result ? (SIGNATURES[result] ?? result) : '';
}

export function DocumentPage() {
  const { documentId = '' } = useParams();
  const [document, setDocument] = useState<IntakeDocument | null>(null);
  const [error, setError] = useState('');
  const [viewing, setViewing] = useState<{ files: ViewedFile[]; text?: string } | null>(null);
  const justIssued = (useLocation().state as { issued?: boolean } | null)?.issued;

  const load = useCallback(async () => {
    try {
      setDocument(await api<IntakeDocument>('intake', `/v1/documents/${encodeURIComponent(documentId)}`));
      setError('');
    } catch (e) {
      setError(e instanceof ApiError && e.status === 404 ? 'Không tìm thấy văn bản (hoặc bạn không được xem).' : `Không tải được văn bản: ${(e as Error).message}`);
    }
  }, [documentId]);

  useEffect(() => {
    void load();
  }, [load]);

  // OCR runs in intake's worker after registration: look again until every file has a result.
  const pending = document?.channel === 'paper' && document.files.some((f) => !document.ocr[f.file_id]);
  // A sent document's statuses come back from the recipients: look again while it is open.
  const sending = document?.kind === 'outgoing' && !!document.send_requested_to?.length;
  // …and as each comes back (exchange.status on the live stream), the page reads them again.
  useLiveReload(() => {
    if (sending) void load();
  });

  useEffect(() => {
    if (!pending) return undefined;
    const timer = window.setInterval(() => void load(), 3000);
    return () => window.clearInterval(timer);
  }, [pending, load]);

  async function download(file: StoredFile) {
    try {
      const link = await api<{ url: string }>('intake', `/v1/documents/${encodeURIComponent(documentId)}/files/${encodeURIComponent(file.file_id)}/link`);
      window.open(link.url, '_blank', 'noopener');
    } catch (e) {
      setError(`Không tải được tệp ${file.name}: ${(e as Error).message}`);
    }
  }

  if (error && !document) return <p className="error" role="alert">{error}</p>;
  if (!document) return <p role="status">Đang tải…</p>;
  const m = metadataOf(document);
  const outgoing = document.kind === 'outgoing';
  const rows: [string, string][] = outgoing
    ? [
        ['Số, ký hiệu', `${document.code_number ?? document.number}/${document.code_notation ?? ''}`],
        ['Ngày văn bản', [document.place, formatDate(document.issued_date)].filter(Boolean).join(', ')],
        ['Loại văn bản', label(DOCUMENT_TYPES, m.document_type)],
        ['Người ký', [m.signer?.competence, m.signer?.position, m.signer?.full_name].filter(Boolean).join(' ')],
        ['Độ khẩn', label(URGENCIES, m.urgency)],
        ['Độ mật', label(CONFIDENTIALITIES, m.confidentiality)],
        ['Hạn trả lời', formatDate(m.due_date) || 'Không có'],
        ['Người phát hành', document.registered_by?.full_name || document.registered_by?.user_id || ''],
      ]
    : [
        ['Số đến', `${document.arrival_number ?? document.number}/${document.arrival_year ?? document.year}`],
        ['Ngày đến', formatDateTime(document.registered_at)],
        ['Hình thức nhận', label(CHANNELS, document.channel)],
        ['Loại văn bản', label(DOCUMENT_TYPES, m.document_type)],
        ['Số, ký hiệu', `${m.code_number}/${m.code_notation}`],
        ['Ngày ban hành', formatDate(m.issued_date)],
        ['Cơ quan ban hành', [m.issuer?.name, m.issuer?.agency_code].filter(Boolean).join(' · ')],
        ['Người ký', [m.signer?.competence, m.signer?.position, m.signer?.full_name].filter(Boolean).join(' ')],
        ['Số trang', String(m.page_count ?? '')],
        ['Độ khẩn', label(URGENCIES, m.urgency)],
        ['Độ mật', label(CONFIDENTIALITIES, m.confidentiality)],
        ['Hạn xử lý', formatDate(m.due_date) || 'Không có'],
        ['Người đăng ký', document.registered_by?.full_name || document.registered_by?.user_id || ''],
      ];
  if (m.notes) rows.push(['Ghi chú', m.notes]);
  if (document.duplicate_of) rows.push(['Đăng ký dù trùng', `${document.duplicate_reason ?? ''} (trùng ${document.duplicate_of})`]);
  if (document.status === 'void') rows.push(['Đã hủy', document.void_reason ?? '']);

  return (
    <article aria-labelledby="trich-yeu">
      <p className="muted">{outgoing ? 'Văn bản đi' : 'Văn bản đến'}{document.status === 'void' && ' · đã hủy'}</p>
      <h1 id="trich-yeu">{m.subject}</h1>
      {justIssued && (
        <p className="success-line" role="status">
          Đã phát hành văn bản số {document.code_number}/{document.code_notation}.
        </p>
      )}
      {error && <p className="error" role="alert">{error}</p>}
      <div className="two-columns">
        <section className="card" aria-labelledby="thong-tin">
          <h2 id="thong-tin">Thông tin văn bản</h2>
          <dl className="facts">
            {rows.map(([k, v]) => (
              <div key={k}>
                <dt>{k}</dt>
                <dd>{v}</dd>
              </div>
            ))}
          </dl>
        </section>
        <section className="card" aria-labelledby="tep">
          <h2 id="tep">Tệp văn bản</h2>
          <ul className="files">
            {document.files.map((f) => {
              const ocr = document.ocr[f.file_id];
              return (
                <li key={f.file_id}>
                  <div>
                    <strong>{f.name}</strong> <span className="muted">({Math.ceil(f.size / 1024)} KB)</span>{' '}
                    <button type="button" className="link" onClick={() => void download(f)}>
                      Tải về {f.name}
                    </button>{' '}
                    <button type="button" className="link" onClick={() => setViewing({ files: [{ file: f, title: `Bản gốc: ${f.name}` }] })}>
                      Xem {f.name}
                    </button>
                  </div>
                  <div className="ocr-status" aria-live="polite">
                    {ocrStatus(ocr, document.channel)}
                    {document.signatures[f.file_id] !== undefined && ` · ${signatureOf(document.signatures[f.file_id])}`}
                    {ocr?.derivative && (
                      <>
                        {' · '}
                        <button type="button" className="link" onClick={() => void download(ocr.derivative!)}>
                          Tải bản số hóa (có lớp chữ)
                        </button>
                        {' · '}
                        <button
                          type="button"
                          className="link"
                          onClick={() =>
                            setViewing({
                              files: [
                                { file: f, title: `Bản gốc: ${f.name}` },
                                { file: ocr.derivative!, title: 'Bản số hóa (PDF/A, có lớp chữ)' },
                              ],
                              text: ocr.text ?? '',
                            })
                          }
                        >
                          Xem song song bản gốc và bản số hóa
                        </button>
                      </>
                    )}
                  </div>
                  {ocr?.text && (
                    <details>
                      <summary>Nội dung nhận dạng (OCR)</summary>
                      <pre className="ocr-text">{ocr.text}</pre>
                    </details>
                  )}
                </li>
              );
            })}
          </ul>
        </section>
      </div>
      {viewing && <FileViewer documentId={document.id} files={viewing.files} text={viewing.text} onClose={() => setViewing(null)} />}
      {outgoing && <SignatureReport documentId={document.id} />}
      {outgoing && <OutgoingStatus document={document} />}
      {!outgoing && <CaseWork agencyCode={document.agency_code} documentId={document.id} />}
    </article>
  );
}
