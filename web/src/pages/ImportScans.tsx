// Nhập lô bản quét: the clerk imports a backlog of paper scans, from a manifest (the CLI's CSV) or
// as several scans with shared fields. Intake checks the whole manifest first (every bad row by row
// and column), then the page sends the rows one by one (POST /v1/imports/scans) with a progress
// bar; it can stop between rows and go on later, and a batch sent again is answered "already done"
// row by row by the server, which knows each scan by its bytes (ADR 0015 addendum).
import { useRef, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { IntakeSchema } from '../api/types';
import { vietnamToday } from '../dates';
import { DOCUMENT_TYPES, URGENCIES } from '../labels';
import { columnName, manifestOf, OPTIONAL_COLUMNS, pathOf, REQUIRED_COLUMNS, sayImportProblem, scanFor } from '../scanImport';
import type { OwnFields } from '../scanImport';

type ManifestCheck = IntakeSchema<'ManifestCheck'>;
type ManifestProblem = IntakeSchema<'ManifestProblem'>;
type ScanImported = IntakeSchema<'ScanImported'>;
type ImportDuplicate = IntakeSchema<'ImportDuplicate'>;

/** A row ready to send: what intake parsed from the manifest, and the chosen scan it names. */
interface Planned {
  row: number;
  path: string;
  metadata: ManifestCheck['rows'][number]['metadata'];
  scan: File;
}

interface RowResult {
  state: 'registered' | 'already_done' | 'failed';
  documentId?: string;
  number?: string;
  reason?: string;
  existingId?: string;
  /** Not refused: the request did not get through; going on sends it again. */
  retry?: boolean;
  /** A duplicate by number (not by the scan's bytes): a reason registers it anyway. */
  overridable?: boolean;
}

type Mode = 'csv' | 'shared';

const SHARED_EMPTY: Record<string, string> = {
  issuer_name: '',
  issuer_agency_code: '',
  document_type: 'official_letter',
  code_notation: '',
  issued_date: '',
  signer_competence: '',
  signer_position: '',
  signer_full_name: '',
  urgency: 'normal',
};

const SCAN_TYPES = 'application/pdf,image/png,image/jpeg,image/tiff,.pdf,.png,.jpg,.jpeg,.tif,.tiff';

export function ImportScans() {
  const [mode, setMode] = useState<Mode>('csv');
  const [csvFile, setCsvFile] = useState<File | null>(null);
  const [scans, setScans] = useState<File[]>([]);
  const [shared, setShared] = useState<Record<string, string>>(SHARED_EMPTY);
  const [own, setOwn] = useState<OwnFields[]>([]);
  const [batch, setBatch] = useState('');
  const [checking, setChecking] = useState(false);
  const [refused, setRefused] = useState<string[]>([]);
  const [problems, setProblems] = useState<ManifestProblem[] | null>(null);
  const [plan, setPlan] = useState<Planned[]>([]);
  const [results, setResults] = useState<Record<number, RowResult>>({});
  const [running, setRunning] = useState(false);
  const [stopped, setStopped] = useState(false);
  const [anywayReason, setAnywayReason] = useState('');
  const stopping = useRef(false);
  const inFlight = useRef<AbortController | null>(null);
  const today = vietnamToday();

  function chooseScans(list: FileList | null) {
    const chosen = list ? Array.from(list) : [];
    setScans(chosen);
    setOwn(chosen.map(() => ({ code_number: '', subject: '', page_count: '1' })));
    forgetCheck();
  }

  function forgetCheck() {
    setProblems(null);
    setPlan([]);
    setResults({});
    setRefused([]);
    setStopped(false);
  }

  async function check(event: FormEvent) {
    event.preventDefault();
    forgetCheck();
    if (!scans.length) return setRefused(['Hãy chọn các tệp bản quét.']);
    let csv: string;
    if (mode === 'csv') {
      if (!csvFile) return setRefused(['Hãy chọn tệp danh sách (CSV).']);
      csv = await csvFile.text();
    } else {
      csv = manifestOf(shared, scans.map((scan, i) => ({ path: pathOf(scan), own: own[i] })));
    }
    setChecking(true);
    try {
      const answer = await api<ManifestCheck>('intake', '/v1/imports/scans/manifest', {
        method: 'POST',
        body: JSON.stringify({ csv, files: scans.map(pathOf) }),
      });
      setProblems(answer.problems);
      setPlan(answer.rows.map((r) => ({ row: r.row, path: r.file, metadata: r.metadata, scan: scanFor(r.file, scans)! })));
      if (!batch.trim()) setBatch(mode === 'csv' && csvFile ? csvFile.name : `Nhập lô ${today.split('-').reverse().join('/')}`);
    } catch (e) {
      setRefused(e instanceof ApiError ? e.problems.map((p) => `${columnName(p.field)}: ${sayImportProblem(p.message)}`) : [`Không gửi được: ${String(e)}`]);
    } finally {
      setChecking(false);
    }
  }

  /** `anyway`: send again only the rows refused as duplicates by number, with this reason. */
  async function sendRows(fromStart: boolean, anyway?: string) {
    stopping.current = false;
    setStopped(false);
    setRunning(true);
    const done: Record<number, RowResult> = fromStart ? {} : { ...results };
    if (fromStart) setResults({});
    const label = batch.trim() || 'Nhập lô';
    try {
      for (const item of plan) {
        if (stopping.current) break;
        const earlier = done[item.row];
        if (anyway !== undefined ? !earlier?.overridable : earlier && !earlier.retry) continue;
        const result = await sendRow(item, label, anyway);
        if (result === null) break; // stopped while it was being sent: it goes again on resuming
        done[item.row] = result;
        setResults((current) => ({ ...current, [item.row]: result }));
      }
    } finally {
      inFlight.current = null;
      setRunning(false);
      setStopped(stopping.current);
    }
  }

  async function sendRow(item: Planned, label: string, anyway?: string): Promise<RowResult | null> {
    const form = new FormData();
    form.append('metadata', JSON.stringify(item.metadata));
    form.append('batch', label);
    form.append('row', String(item.row));
    form.append('path', item.path);
    form.append('file', item.scan, item.scan.name);
    if (anyway) form.append('register_anyway_reason', anyway);
    const abort = new AbortController();
    inFlight.current = abort;
    try {
      const answer = await api<ScanImported>('intake', '/v1/imports/scans', { method: 'POST', body: form, signal: abort.signal });
      return { state: answer.outcome, documentId: answer.document_id, number: `${answer.arrival_number}/${answer.arrival_year}` };
    } catch (e) {
      if (abort.signal.aborted) return null;
      if (e instanceof ApiError && e.status === 409) {
        const duplicate = e.body as ImportDuplicate;
        return { state: 'failed', reason: `${columnName(duplicate.field)}: ${sayImportProblem(duplicate.detail.replace(/^[a-z_]+: /, ''))}`, existingId: duplicate.existing_id, overridable: duplicate.field === 'code_number' };
      }
      if (e instanceof ApiError && e.status < 500 && e.status !== 401 && e.status !== 429) {
        return { state: 'failed', reason: e.problems.map((p) => `${columnName(p.field)}: ${sayImportProblem(p.message)}`).join(' ') || `Máy chủ trả lời lỗi ${e.status}.` };
      }
      const why = e instanceof ApiError ? `máy chủ trả lời lỗi ${e.status}` : 'mất kết nối';
      return { state: 'failed', reason: `Chưa nhập được (${why}); bấm “Tiếp tục” để gửi lại.`, retry: true };
    }
  }

  function stop() {
    stopping.current = true;
    inFlight.current?.abort();
  }

  const sent = plan.filter((p) => results[p.row]);
  const count = (state: RowResult['state']) => sent.filter((p) => results[p.row].state === state).length;
  const overridable = plan.filter((p) => results[p.row]?.overridable).length;
  const finished = sent.length === plan.length && plan.length > 0 && plan.every((p) => !results[p.row].retry);
  const setSharedField = (name: string) => (e: { target: { value: string } }) => setShared((f) => ({ ...f, [name]: e.target.value }));
  const sharedInput = (name: string, label: ReactNode, props: Record<string, unknown> = {}) => (
    <div className="field">
      <label htmlFor={`s-${name}`}>{label}</label>
      <input id={`s-${name}`} value={shared[name]} onChange={setSharedField(name)} disabled={running} {...props} />
    </div>
  );
  const sharedSelect = (name: string, label: string, options: [string, string][]) => (
    <div className="field">
      <label htmlFor={`s-${name}`}>{label}</label>
      <select id={`s-${name}`} value={shared[name]} onChange={setSharedField(name)} disabled={running}>
        {options.map(([code, text]) => (
          <option key={code} value={code}>
            {text}
          </option>
        ))}
      </select>
    </div>
  );
  const setOwnField = (i: number, name: keyof OwnFields) => (e: { target: { value: string } }) =>
    setOwn((rows) => rows.map((r, j) => (j === i ? { ...r, [name]: e.target.value } : r)));

  return (
    <section aria-labelledby="nhap-lo">
      <h1 id="nhap-lo">Nhập lô bản quét</h1>
      <p>
        Đưa một lô văn bản giấy đã quét vào sổ văn bản đến. Mỗi bản quét được đăng ký một lần: nhập lại cùng một lô (kể cả sau khi bị dừng hay mất
        kết nối) chỉ đăng ký những bản chưa có, các bản đã có được báo là <em>đã có từ trước</em>.
      </p>

      <form onSubmit={(e) => void check(e)} noValidate aria-label="Chọn lô cần nhập">
        <fieldset disabled={running}>
          <legend>Cách nhập</legend>
          <label className="choice">
            <input type="radio" name="mode" value="csv" checked={mode === 'csv'} onChange={() => { setMode('csv'); forgetCheck(); }} /> Theo tệp danh sách (CSV)
          </label>{' '}
          <label className="choice">
            <input type="radio" name="mode" value="shared" checked={mode === 'shared'} onChange={() => { setMode('shared'); forgetCheck(); }} /> Nhiều bản quét, thông tin chung
          </label>
        </fieldset>

        {mode === 'csv' && (
          <details className="card" open>
            <summary>Các cột của tệp danh sách</summary>
            <p>
              Tệp CSV UTF-8 (trong Excel: “Lưu thành” › “CSV UTF-8”), phân cách bằng dấu phẩy hoặc dấu chấm phẩy; dòng 1 là tên cột (theo thứ tự bất
              kỳ), mỗi dòng sau là một văn bản. Giống tệp <code>manifest.csv</code> của lệnh <code>vanthu intake import-scans</code>.
            </p>
            <p>
              <strong>Cột bắt buộc:</strong>{' '}
              {REQUIRED_COLUMNS.map(([c, text], i) => (
                <span key={c}>
                  {i > 0 && '; '}
                  <code>{c}</code> ({text})
                </span>
              ))}
              .
            </p>
            <p>
              <strong>Cột không bắt buộc:</strong>{' '}
              {OPTIONAL_COLUMNS.map(([c, text], i) => (
                <span key={c}>
                  {i > 0 && '; '}
                  <code>{c}</code> ({text})
                </span>
              ))}
              .
            </p>
          </details>
        )}

        <fieldset disabled={running}>
          <legend>Tệp</legend>
          <div className="grid">
            {mode === 'csv' && (
              <div className="field">
                <label htmlFor="i-csv">Tệp danh sách (CSV)</label>
                <input id="i-csv" type="file" accept=".csv,text/csv" onChange={(e) => { setCsvFile(e.target.files?.[0] ?? null); forgetCheck(); }} />
              </div>
            )}
            <div className="field">
              <label htmlFor="i-scans">Các tệp bản quét (PDF, PNG, JPEG, TIFF)</label>
              <input id="i-scans" type="file" multiple accept={SCAN_TYPES} onChange={(e) => chooseScans(e.target.files)} />
              {scans.length > 0 && <small className="muted">Đã chọn {scans.length} tệp.</small>}
            </div>
          </div>
        </fieldset>

        {mode === 'shared' && (
          <>
            <fieldset disabled={running}>
              <legend>Thông tin chung của các bản quét</legend>
              <div className="grid">
                {sharedInput('issuer_name', 'Cơ quan ban hành')}
                {sharedInput('issuer_agency_code', 'Mã định danh cơ quan ban hành', { placeholder: '000.00.00.G09' })}
                {sharedSelect('document_type', 'Loại văn bản', DOCUMENT_TYPES)}
                {sharedInput('code_notation', 'Ký hiệu', { placeholder: 'QĐ-BNV' })}
                {sharedInput('issued_date', 'Ngày ban hành', { type: 'date', max: today })}
                {sharedSelect('urgency', 'Độ khẩn', URGENCIES)}
                {sharedInput('signer_competence', 'Thẩm quyền ký', { placeholder: 'KT. BỘ TRƯỞNG' })}
                {sharedInput('signer_position', 'Chức vụ người ký')}
                {sharedInput('signer_full_name', 'Họ tên người ký')}
              </div>
            </fieldset>
            {scans.length > 0 && (
              <div className="table-wrap">
                <table>
                  <caption className="visually-hidden">Thông tin riêng của từng bản quét</caption>
                  <thead>
                    <tr>
                      <th scope="col">Tệp</th>
                      <th scope="col">Số</th>
                      <th scope="col">Trích yếu</th>
                      <th scope="col">Số trang</th>
                    </tr>
                  </thead>
                  <tbody>
                    {scans.map((scan, i) => (
                      <tr key={`${scan.name}-${i}`}>
                        <th scope="row">{pathOf(scan)}</th>
                        <td>
                          <input aria-label={`Số của ${scan.name}`} value={own[i]?.code_number ?? ''} onChange={setOwnField(i, 'code_number')} disabled={running} />
                        </td>
                        <td>
                          <input aria-label={`Trích yếu của ${scan.name}`} value={own[i]?.subject ?? ''} onChange={setOwnField(i, 'subject')} disabled={running} />
                        </td>
                        <td>
                          <input aria-label={`Số trang của ${scan.name}`} type="number" min={1} max={999} value={own[i]?.page_count ?? '1'} onChange={setOwnField(i, 'page_count')} disabled={running} />
                        </td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            )}
          </>
        )}

        <p className="actions">
          <button type="submit" className="secondary" disabled={running || checking}>
            {checking ? 'Đang kiểm tra…' : 'Kiểm tra danh sách'}
          </button>
        </p>
      </form>

      {refused.length > 0 && (
        <div className="error" role="alert">
          {refused.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}

      {problems !== null && (
        <section className="card" aria-labelledby="ket-qua-kiem-tra">
          <h2 id="ket-qua-kiem-tra">Kết quả kiểm tra</h2>
          <p role="status">
            {plan.length} dòng hợp lệ{problems.length > 0 ? `, ${new Set(problems.map((p) => p.row)).size} dòng có lỗi (sẽ không được nhập)` : ''}.
          </p>
          {problems.length > 0 && (
            <div className="table-wrap">
              <table aria-label="Các dòng có lỗi">
                <thead>
                  <tr>
                    <th scope="col">Dòng</th>
                    <th scope="col">Cột</th>
                    <th scope="col">Lỗi</th>
                  </tr>
                </thead>
                <tbody>
                  {problems.map((p, i) => (
                    <tr key={`${p.row}-${p.field}-${i}`}>
                      <td>{p.row}</td>
                      <td>{columnName(p.field)}</td>
                      <td>{sayImportProblem(p.message)}</td>
                    </tr>
                  ))}
                </tbody>
              </table>
            </div>
          )}
          {plan.length > 0 && (
            <>
              <div className="field">
                <label htmlFor="i-batch">Tên lô (ghi kèm từng văn bản)</label>
                <input id="i-batch" value={batch} onChange={(e) => setBatch(e.target.value)} disabled={running} maxLength={200} />
              </div>
              <p className="actions">
                {!running && sent.length === 0 && (
                  <button type="button" className="primary" onClick={() => void sendRows(true)}>
                    Nhập {plan.length} văn bản
                  </button>
                )}
                {!running && sent.length > 0 && !finished && (
                  <button type="button" className="primary" onClick={() => void sendRows(false)}>
                    Tiếp tục
                  </button>
                )}
                {!running && sent.length > 0 && (
                  <button type="button" className="secondary" onClick={() => void sendRows(true)}>
                    Nhập lại từ đầu
                  </button>
                )}
                {running && (
                  <button type="button" className="secondary" onClick={stop}>
                    Dừng
                  </button>
                )}
              </p>
            </>
          )}
        </section>
      )}

      {(running || sent.length > 0) && (
        <section className="card" aria-labelledby="tien-do">
          <h2 id="tien-do">Tiến độ</h2>
          <progress max={plan.length} value={sent.length} aria-label="Tiến độ nhập" style={{ width: '100%' }}>
            {sent.length} / {plan.length}
          </progress>
          <p role="status" aria-live="polite">
            <strong data-progress="done">
              {sent.length} / {plan.length}
            </strong>{' '}
            · Đã đăng ký: <strong data-progress="registered">{count('registered')}</strong> · Đã có từ trước:{' '}
            <strong data-progress="already_done">{count('already_done')}</strong> · Lỗi: <strong data-progress="failed">{count('failed')}</strong>
            {running && ' · Đang nhập…'}
            {!running && stopped && ' · Đã dừng: bấm “Tiếp tục” để nhập tiếp.'}
            {!running && finished && ' · Đã xong.'}
          </p>
          <div className="table-wrap">
            <table aria-label="Kết quả từng dòng">
              <thead>
                <tr>
                  <th scope="col">Dòng</th>
                  <th scope="col">Tệp</th>
                  <th scope="col">Kết quả</th>
                </tr>
              </thead>
              <tbody>
                {plan.map((p) => (
                  <tr key={p.row}>
                    <td>{p.row}</td>
                    <td>{p.path}</td>
                    <td>
                      <RowOutcome result={results[p.row]} />
                    </td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {!running && overridable > 0 && (
            <div className="card warning">
              <p>
                {overridable} văn bản bị báo đã có (cùng cơ quan ban hành, số, ký hiệu và ngày ban hành). Nếu đúng là văn bản khác, ghi lý do để vẫn
                đăng ký.
              </p>
              <div className="field">
                <label htmlFor="i-anyway">Lý do vẫn đăng ký</label>
                <textarea id="i-anyway" rows={2} value={anywayReason} onChange={(e) => setAnywayReason(e.target.value)} />
              </div>
              <button type="button" className="primary" disabled={!anywayReason.trim()} onClick={() => void sendRows(false, anywayReason.trim())}>
                Vẫn đăng ký {overridable} văn bản này
              </button>
            </div>
          )}
        </section>
      )}
    </section>
  );
}

function RowOutcome({ result }: { result: RowResult | undefined }) {
  if (!result) return <span className="muted">Chờ nhập</span>;
  if (result.state === 'failed') {
    return (
      <span className="error">
        Lỗi: {result.reason}
        {result.existingId && (
          <>
            {' '}
            <Link to={`/van-ban/${result.existingId}`}>Xem văn bản đã có</Link>
          </>
        )}
      </span>
    );
  }
  return (
    <span>
      {result.state === 'registered' ? 'Đã đăng ký' : 'Đã có từ trước'}, số đến <Link to={`/van-ban/${result.documentId}`}>{result.number}</Link>
    </span>
  );
}
