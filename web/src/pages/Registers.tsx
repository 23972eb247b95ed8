// The clerk's registers (sổ đăng ký văn bản đến / đi) for a period: the entries, and the printed
// register as intake prints it (PDF), shown in the browser's own viewer and offered for download.
import { metadataOf, recipientsOf } from '../api/documents';
import { useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api, apiBlob, ApiError } from '../api/client';
import type { DocumentPage } from '../api/types';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { sayError } from '../errors';
import { vietnamese } from '../labels';

export const REGISTERS: [string, string][] = [
  ['incoming', 'Sổ đăng ký văn bản đến'],
  ['outgoing', 'Sổ đăng ký văn bản đi'],
  ['outgoing_confidential', 'Sổ đăng ký văn bản đi (mật)'],
];

export function Registers() {
  const today = vietnamToday();
  const [register, setRegister] = useState('incoming');
  const [from, setFrom] = useState(`${today.slice(0, 8)}01`);
  const [to, setTo] = useState(today);
  const [page, setPage] = useState<DocumentPage | null>(null);
  const [pdf, setPdf] = useState('');
  const [problems, setProblems] = useState<Record<string, string>>({});
  const [busy, setBusy] = useState(false);

  useEffect(() => () => void (pdf && URL.revokeObjectURL(pdf)), [pdf]);

  async function show(event: FormEvent) {
    event.preventDefault();
    setBusy(true);
    setProblems({});
    setPage(null);
    setPdf('');
    const period = `from=${from}&to=${to}`;
    try {
      const kind = register === 'incoming' ? 'incoming' : 'outgoing';
      const [entries, printed] = await Promise.all([
        api<DocumentPage>('intake', `/v1/documents?kind=${kind}&registered_from=${from}&registered_to=${to}&limit=200`),
        apiBlob('intake', `/v1/registers/${register}.pdf?${period}`),
      ]);
      setPage(entries);
      setPdf(URL.createObjectURL(printed));
    } catch (e) {
      if (e instanceof ApiError && e.problems.some((p) => p.field)) {
        setProblems(Object.fromEntries(e.problems.map((p) => [p.field.replace(/^query\./, ''), vietnamese(p.message)])));
      } else setProblems({ '': sayError(e) });
    } finally {
      setBusy(false);
    }
  }

  const title = REGISTERS.find(([code]) => code === register)?.[1] ?? '';
  const entries = (page?.items ?? []).filter((d) => register === 'incoming' || (register === 'outgoing_confidential') === (metadataOf(d).confidentiality !== 'normal'));
  return (
    <section aria-labelledby="so-dang-ky">
      <h1 id="so-dang-ky">Sổ đăng ký văn bản</h1>
      <form className="card register-period" onSubmit={(e) => void show(e)} noValidate>
        {problems[''] && <p className="error" role="alert">{problems['']}</p>}
        <div className="grid">
          <div className="field">
            <label htmlFor="so">Sổ</label>
            <select id="so" value={register} onChange={(e) => setRegister(e.target.value)}>
              {REGISTERS.map(([code, text]) => <option key={code} value={code}>{text}</option>)}
            </select>
          </div>
          {([['from', 'Từ ngày', from, setFrom], ['to', 'Đến ngày', to, setTo]] as const).map(([name, text, value, change]) => (
            <div key={name} className={`field${problems[name] ? ' invalid' : ''}`}>
              <label htmlFor={`ky-${name}`}>{text}</label>
              <input id={`ky-${name}`} type="date" value={value} onChange={(e) => change(e.target.value)} aria-invalid={problems[name] ? true : undefined} aria-describedby={problems[name] ? `ky-${name}-e` : undefined} />
              {problems[name] && <p id={`ky-${name}-e`} className="field-error">{problems[name]}</p>}
            </div>
          ))}
        </div>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang tải…' : 'Xem sổ'}</button>
      </form>

      {page && (
        <section className="card" aria-labelledby="ket-qua-so">
          <h2 id="ket-qua-so">{title} từ {formatDate(from)} đến {formatDate(to)}</h2>
          <p className="actions">
            <a href={pdf} download={`${register}-${from}-${to}.pdf`}>Tải sổ (PDF)</a>
            <a href={pdf} target="_blank" rel="noopener noreferrer">Mở bản in trong thẻ mới</a>
          </p>
          <p className="muted">{entries.length} văn bản</p>
          {entries.length > 0 && (
            <div className="table-wrap">
              <table>
                <thead>
                  <tr>
                    <th scope="col">{register === 'incoming' ? 'Số đến' : 'Số, ký hiệu'}</th>
                    <th scope="col">Ngày</th>
                    <th scope="col">Trích yếu</th>
                    <th scope="col">{register === 'incoming' ? 'Cơ quan ban hành' : 'Nơi nhận'}</th>
                  </tr>
                </thead>
                <tbody>
                  {entries.map((d) => (
                    <tr key={d.id} className={d.status === 'void' ? 'void' : undefined}>
                      <td>{register === 'incoming' ? d.arrival_number ?? d.number : `${d.code_number ?? d.number}/${d.code_notation ?? ''}`}</td>
                      <td>{formatDateTime(d.registered_at)}</td>
                      <td><Link to={`/van-ban/${d.id}`}>{metadataOf(d).subject}</Link>{d.status === 'void' && <span className="badge">Đã hủy</span>}</td>
                      <td>{register === 'incoming' ? metadataOf(d).issuer?.name : recipientsOf(metadataOf(d)).map((r) => r.name).join('; ')}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          <object className="pdf" data={pdf} type="application/pdf" aria-label={`Bản in ${title}`}>
            <p>Trình duyệt không hiển thị được PDF: <a href={pdf} download>tải sổ về</a>.</p>
          </object>
        </section>
      )}
    </section>
  );
}
