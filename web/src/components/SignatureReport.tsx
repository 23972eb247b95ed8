// An issued document's signatures as intake verifies them (issue 14: who signed, when, with which
// certificate, trusted by this deployment's list, and whether the document changed after each).
import { useEffect, useState } from 'react';
import { api, ApiError } from '../api/client';
import type { IntakeSchema } from '../api/types';
import { formatDateTime } from '../dates';
import { sayError } from '../errors';

type Report = IntakeSchema<'SignaturesReport'>;

const CHANGES: Record<string, string> = {
  none: 'không thay đổi sau khi ký',
  form_filling: 'sau khi ký chỉ điền số, ngày và ký tiếp (được phép)',
  annotations: 'sau khi ký có thêm chú thích',
  other: 'đã bị sửa sau khi ký',
};

export function SignatureReport({ documentId }: { documentId: string }) {
  const [report, setReport] = useState<Report | null>(null);
  const [problem, setProblem] = useState('');
  useEffect(() => {
    api<Report>('intake', `/v1/outgoing-documents/${encodeURIComponent(documentId)}/signatures`)
      .then(setReport)
      .catch((e: unknown) => setProblem(e instanceof ApiError && e.status === 404 ? '' : `Không kiểm tra được chữ ký: ${sayError(e)}`));
  }, [documentId]);
  if (!report && !problem) return null;
  return (
    <section className="card" aria-labelledby="chu-ky-so">
      <h2 id="chu-ky-so">Chữ ký số</h2>
      {problem && <p className="error" role="alert">{problem}</p>}
      {report && report.signatures.length === 0 && <p>Bản gốc không có chữ ký số.</p>}
      {report && report.signatures.length > 0 && (
        <>
          <p className={report.valid ? 'success-line' : 'error'}>{report.valid ? 'Tất cả chữ ký số hợp lệ.' : 'Có chữ ký số không hợp lệ.'}</p>
          <ol className="desk" aria-label="Các chữ ký">
            {report.signatures.map((s) => (
              <li key={s.field_name}>
                <strong>{s.signer}</strong> — {s.valid ? 'hợp lệ' : 'không hợp lệ'}
                <div className="muted">
                  Ký lúc {s.signed_at ? formatDateTime(s.signed_at) : 'không rõ'} ({s.level === 'B-T' ? `có dấu thời gian ${s.timestamped_at ? formatDateTime(s.timestamped_at) : ''}` : 'thời gian theo máy ký'}); chứng thư số {s.serial_number} do {s.issuer} cấp,{' '}
                  {s.trusted ? 'thuộc danh sách tin cậy' : 'KHÔNG thuộc danh sách tin cậy'}; {s.intact ? 'nội dung đã ký còn nguyên' : 'nội dung đã ký bị thay đổi'}; {CHANGES[s.changes_after] ?? s.changes_after}.
                </div>
              </li>
            ))}
          </ol>
        </>
      )}
    </section>
  );
}
