import { metadataOf } from '../api/documents';
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { DocumentPage } from '../api/types';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { DOCUMENT_TYPES, label, URGENCIES } from '../labels';
import { useLiveReload } from '../live';

const PAGE = 25;

export function DocumentList() {
  const [year, setYear] = useState(vietnamToday().slice(0, 4));
  const [offset, setOffset] = useState(0);
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [error, setError] = useState('');
  const [reloads, setReloads] = useState(0);
  // A document registered meanwhile (from the exchange, by another clerk): read the page again.
  useLiveReload(() => setReloads((n) => n + 1));

  useEffect(() => {
    let live = true;
    const query = new URLSearchParams({ kind: 'incoming', offset: String(offset), limit: String(PAGE) });
    if (/^\d{4}$/.test(year)) query.set('year', year);
    api<DocumentPage>('intake', `/v1/documents?${query}`)
      .then((p) => live && (setPage(p), setError('')))
      .catch((e: Error) => live && setError(`Không tải được danh sách: ${e.message}`));
    return () => {
      live = false;
    };
  }, [year, offset, reloads]);

  return (
    <section aria-labelledby="vb-den">
      <div className="heading">
        <h1 id="vb-den">Văn bản đến</h1>
        <div className="field inline">
          <label htmlFor="nam">Năm</label>
          <input id="nam" inputMode="numeric" size={5} value={year} onChange={(e) => (setYear(e.target.value), setOffset(0))} />
        </div>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {!page && !error && <p role="status">Đang tải…</p>}
      {page && page.items.length === 0 && <p>Chưa có văn bản đến nào trong năm {year}.</p>}
      {page && page.items.length > 0 && (
        <>
          <p className="muted">{page.total} văn bản</p>
          <div className="table-wrap">
            <table>
              <caption className="visually-hidden">Sổ văn bản đến năm {year}</caption>
              <thead>
                <tr>
                  <th scope="col">Số đến</th>
                  <th scope="col">Ngày đến</th>
                  <th scope="col">Số, ký hiệu</th>
                  <th scope="col">Ngày ban hành</th>
                  <th scope="col">Cơ quan ban hành</th>
                  <th scope="col">Trích yếu</th>
                  <th scope="col">Độ khẩn</th>
                </tr>
              </thead>
              <tbody>
                {page.items.map((d) => (
                  <tr key={d.id} className={d.status === 'void' ? 'void' : undefined}>
                    <td>{d.arrival_number ?? d.number}</td>
                    <td>{formatDateTime(d.registered_at)}</td>
                    <td>
                      {metadataOf(d).code_number}/{metadataOf(d).code_notation}
                    </td>
                    <td>{formatDate(metadataOf(d).issued_date)}</td>
                    <td>{metadataOf(d).issuer?.name}</td>
                    <td>
                      <Link to={`/van-ban/${d.id}`}>{metadataOf(d).subject}</Link>
                      <span className="muted"> · {label(DOCUMENT_TYPES, metadataOf(d).document_type)}</span>
                      {d.status === 'void' && <span className="badge">Đã hủy</span>}
                    </td>
                    <td>
                      <span className={`urgency u-${metadataOf(d).urgency}`}>{label(URGENCIES, metadataOf(d).urgency)}</span>
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          <p className="actions">
            <button type="button" className="secondary" disabled={offset === 0} onClick={() => setOffset(Math.max(0, offset - PAGE))}>
              Trang trước
            </button>
            <button type="button" className="secondary" disabled={offset + PAGE >= page.total} onClick={() => setOffset(offset + PAGE)}>
              Trang sau
            </button>
          </p>
        </>
      )}
    </section>
  );
}
