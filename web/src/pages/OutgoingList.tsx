// The outgoing documents the agency issued, newest first, each to its page with the recipients' statuses.
import { metadataOf, recipientsOf } from '../api/documents';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { DocumentPage } from '../api/types';
import { formatDate } from '../dates';
import { sayError } from '../errors';
import { DOCUMENT_TYPES, label } from '../labels';
import { hasRole, useSession } from '../session';

export function OutgoingList() {
  const { session } = useSession();
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [error, setError] = useState('');
  useEffect(() => {
    api<DocumentPage>('intake', '/v1/documents?kind=outgoing&limit=50')
      .then(setPage)
      .catch((e: unknown) => setError(`Không tải được danh sách: ${sayError(e)}`));
  }, []);
  return (
    <section aria-labelledby="vb-di">
      <div className="heading">
        <h1 id="vb-di">Văn bản đi</h1>
        {hasRole(session, 'clerk') && <Link className="button" to="/van-ban-di/phat-hanh">Phát hành văn bản đi</Link>}
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!page && !error && <p role="status">Đang tải…</p>}
      {page && page.items.length === 0 && <p>Chưa có văn bản đi nào.</p>}
      {page && page.items.length > 0 && (
        <div className="table-wrap">
          <table>
            <thead>
              <tr>
                <th scope="col">Số, ký hiệu</th>
                <th scope="col">Ngày</th>
                <th scope="col">Trích yếu</th>
                <th scope="col">Nơi nhận</th>
              </tr>
            </thead>
            <tbody>
              {page.items.map((d) => (
                <tr key={d.id} className={d.status === 'void' ? 'void' : undefined}>
                  <td>{d.code_number ?? d.number}/{d.code_notation}</td>
                  <td>{formatDate(d.issued_date)}</td>
                  <td>
                    <Link to={`/van-ban/${d.id}`}>{metadataOf(d).subject}</Link>
                    <span className="muted"> · {label(DOCUMENT_TYPES, metadataOf(d).document_type)}</span>
                  </td>
                  <td>{recipientsOf(metadataOf(d)).map((r) => r.name).join('; ')}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
    </section>
  );
}
