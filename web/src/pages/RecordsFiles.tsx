// The records files of the agency (hồ sơ), kept by the archive: the list (the files due for
// hand-over first), opening a file from the year's file plan, and a file's page: its documents
// (those the person may not see only counted), filing a document, closing it, recording the
// hand-over, downloading its archival package, and the file as it stood at a moment.
import { useCallback, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useParams } from 'react-router';
import { api, apiBlob, ApiError } from '../api/client';
import type { ArchiveSchema } from '../api/types';
import { formatDate, formatDateTime, vietnamToday } from '../dates';
import { sayError } from '../errors';
import { hasRole, useSession } from '../session';
import { vietnamInstant } from './AuditStateAsOf';

type RecordsFile = ArchiveSchema<'RecordsFileOut'>;
type RecordsFileDetail = ArchiveSchema<'RecordsFileDetailOut'>;
type FilePlan = ArchiveSchema<'FilePlanOut'>;
type FileState = ArchiveSchema<'RecordsFileStateOut'>;

export const FILE_STATUSES: Record<string, string> = {
  open: 'Đang lập',
  closed: 'Đã kết thúc',
  handed_over: 'Đã nộp lưu',
  disposed: 'Đã hủy',
};

function keeps(session: ReturnType<typeof useSession>['session']): boolean {
  return hasRole(session, 'clerk', 'unit_head');
}

function documentsText(file: RecordsFile): string {
  const shown = `${file.document_ids.length} văn bản`;
  return file.withheld_documents ? `${shown} (và ${file.withheld_documents} văn bản bạn không được xem)` : shown;
}

function FileLine({ file }: { file: RecordsFile }) {
  return (
    <li className="card">
      <Link to={`/ho-so/${file.file_id}`} className="subject">{file.notation} · {file.title}</Link>
      <div className="muted">
        {[FILE_STATUSES[file.status] ?? file.status, `bảo quản ${file.retention}`, documentsText(file),
          file.handover_due_on && `hạn nộp lưu ${formatDate(file.handover_due_on)}`].filter(Boolean).join(' · ')}
      </div>
    </li>
  );
}

export function RecordsFiles() {
  const { session } = useSession();
  const navigate = useNavigate();
  const [files, setFiles] = useState<RecordsFile[] | null>(null);
  const [due, setDue] = useState<RecordsFile[]>([]);
  const [error, setError] = useState('');
  const year = Number(vietnamToday().slice(0, 4));
  const [plan, setPlan] = useState<FilePlan | null>(null);
  const [code, setCode] = useState('');
  const [openError, setOpenError] = useState('');

  useEffect(() => {
    Promise.all([
      api<ArchiveSchema<'RecordsFilesOut'>>('archive', '/archive/records-files'),
      api<ArchiveSchema<'RecordsFilesOut'>>('archive', '/archive/handover-due'),
    ])
      .then(([all, soon]) => (setFiles(all.items), setDue(soon.items)))
      .catch((e: unknown) => setError(`Không tải được danh sách hồ sơ: ${sayError(e)}`));
    if (keeps(session)) {
      api<FilePlan>('archive', `/archive/file-plans/${year}`).then(setPlan).catch(() => setPlan(null));
    }
  }, [session, year]);

  async function open(event: FormEvent) {
    event.preventDefault();
    setOpenError('');
    try {
      const opened = await api<RecordsFile>('archive', '/archive/records-files', {
        method: 'POST',
        headers: { 'Content-Type': 'application/json' },
        body: JSON.stringify({ year, code }),
      });
      navigate(`/ho-so/${opened.file_id}`);
    } catch (e) {
      setOpenError(`Không lập được hồ sơ: ${sayError(e)}`);
    }
  }

  return (
    <section aria-labelledby="ho-so">
      <h1 id="ho-so">Hồ sơ lưu trữ</h1>
      {error && <p className="error" role="alert">{error}</p>}
      {due.length > 0 && (
        <section className="card" aria-labelledby="den-han-nop-luu">
          <h2 id="den-han-nop-luu">Đến hạn nộp lưu</h2>
          <ul className="results">{due.map((f) => <FileLine key={f.file_id} file={f} />)}</ul>
        </section>
      )}
      {keeps(session) && plan && (
        <form className="card" aria-labelledby="lap-ho-so" onSubmit={(e) => void open(e)}>
          <h2 id="lap-ho-so">Lập hồ sơ theo danh mục năm {year}</h2>
          {openError && <p className="error" role="alert">{openError}</p>}
          <div className="field">
            <label htmlFor="rf-code">Hồ sơ trong danh mục</label>
            <select id="rf-code" value={code} onChange={(e) => setCode(e.target.value)} required>
              <option value="">Chọn…</option>
              {plan.entries.map((e) => <option key={e.code} value={e.code}>{e.code} · {e.title} ({e.retention})</option>)}
            </select>
          </div>
          <button type="submit" className="primary" disabled={!code}>Lập hồ sơ</button>
        </form>
      )}
      {files === null && !error && <p role="status">Đang tải…</p>}
      {files && (
        <section aria-labelledby="danh-sach-ho-so">
          <h2 id="danh-sach-ho-so">{files.length} hồ sơ</h2>
          <ul className="results">{files.map((f) => <FileLine key={f.file_id} file={f} />)}</ul>
        </section>
      )}
    </section>
  );
}

export function RecordsFilePage() {
  const { fileId = '' } = useParams();
  const { session } = useSession();
  const [file, setFile] = useState<RecordsFile | null>(null);
  const [members, setMembers] = useState<RecordsFileDetail['members']>([]);
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');
  const [documentId, setDocumentId] = useState('');
  const [moment, setMoment] = useState('');
  const [state, setState] = useState<FileState | null>(null);
  const [stateProblem, setStateProblem] = useState('');
  const path = `/archive/records-files/${encodeURIComponent(fileId)}`;

  const load = useCallback(async () => {
    const read = await api<RecordsFileDetail>('archive', path);
    setFile(read);
    setMembers(read.members);
  }, [path]);

  useEffect(() => {
    load().catch((e: unknown) => setError(`Không tải được hồ sơ: ${sayError(e)}`));
  }, [load]);

  const change = useCallback(async (suffix: string, body: unknown, done: string) => {
    setSaid('');
    try {
      setFile(await api<RecordsFile>('archive', `${path}${suffix}`, {
        method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body),
      }));
      setSaid(done);
      if (suffix === '/documents') await load();
    } catch (e) {
      setSaid(`Không thực hiện được: ${sayError(e)}`);
    }
  }, [path]);

  async function download() {
    setSaid('');
    try {
      const blob = await apiBlob('archive', `${path}/package`);
      const link = window.document.createElement('a');
      link.href = URL.createObjectURL(blob);
      link.download = `bag-${fileId}.zip`;
      link.click();
      setSaid(`Đã tạo gói lưu trữ bag-${fileId}.zip.`);
    } catch (e) {
      setSaid(`Không tạo được gói lưu trữ: ${sayError(e)}`);
    }
  }

  async function look(event: FormEvent) {
    event.preventDefault();
    setStateProblem('');
    try {
      setState(await api<FileState>('archive', `${path}/state?${new URLSearchParams({ as_of: vietnamInstant(moment) })}`));
    } catch (e) {
      setState(null);
      const atField = e instanceof ApiError ? e.problems.find((p) => p.field.endsWith('as_of')) : undefined;
      setStateProblem(atField ? (/\(([^()]*)\)$/.exec(atField.message)?.[1] ?? atField.message) : sayError(e));
    }
  }

  if (error) return <p className="error" role="alert">{error}</p>;
  if (!file) return <p role="status">Đang tải…</p>;
  return (
    <article aria-labelledby="ten-ho-so">
      <p className="muted"><Link to="/ho-so">Hồ sơ lưu trữ</Link> · {file.notation}</p>
      <h1 id="ten-ho-so">{file.title}</h1>
      <p className="muted">
        {[FILE_STATUSES[file.status] ?? file.status, `bảo quản ${file.retention}`, `mở ngày ${formatDate(file.opened_on)}`,
          file.closed_on && `kết thúc ngày ${formatDate(file.closed_on)}`, file.handover_due_on && `hạn nộp lưu ${formatDate(file.handover_due_on)}`,
          file.handed_over_on && `nộp lưu ngày ${formatDate(file.handed_over_on)}`].filter(Boolean).join(' · ')}
      </p>
      {said && <p role="status">{said}</p>}
      <section className="card" aria-labelledby="van-ban-trong-ho-so">
        <h2 id="van-ban-trong-ho-so">Văn bản trong hồ sơ</h2>
        <ol aria-label="Văn bản trong hồ sơ">
          {file.document_ids.map((id) => {
            const member = members.find((m) => m.document_id === id);
            return (
              <li key={id}>
                <Link to={`/tra-cuu/${id}`}>{member?.subject ?? id}</Link>
                {member && <span className="muted"> · {[member.notation, member.received_at && formatDate(member.received_at)].filter(Boolean).join(' · ')}</span>}
              </li>
            );
          })}
        </ol>
        {file.withheld_documents > 0 && <p className="muted">Và {file.withheld_documents} văn bản mật bạn không được xem.</p>}
        {keeps(session) && file.status === 'open' && (
          <form onSubmit={(e) => { e.preventDefault(); void change('/documents', { document_id: documentId.trim() }, 'Đã đưa văn bản vào hồ sơ.'); }}>
            <div className="field">
              <label htmlFor="rf-document">Mã văn bản cần đưa vào hồ sơ</label>
              <input id="rf-document" value={documentId} onChange={(e) => setDocumentId(e.target.value)} />
            </div>
            <button type="submit" className="secondary" disabled={!documentId.trim()}>Đưa vào hồ sơ</button>
          </form>
        )}
      </section>
      <section className="card" aria-labelledby="thao-tac-ho-so">
        <h2 id="thao-tac-ho-so">Thao tác</h2>
        <p className="actions">
          {keeps(session) && file.status === 'open' && <button type="button" className="secondary" onClick={() => void change('/close', {}, 'Đã kết thúc hồ sơ.')}>Kết thúc hồ sơ</button>}
          {keeps(session) && file.status === 'closed' && <button type="button" className="secondary" onClick={() => void change('/handover', {}, 'Đã ghi nhận nộp lưu.')}>Ghi nhận nộp lưu</button>}
          <button type="button" className="secondary" onClick={() => void download()}>Tải gói lưu trữ</button>
        </p>
      </section>
      <section className="card" aria-labelledby="ho-so-tai-thoi-diem">
        <h2 id="ho-so-tai-thoi-diem">Hồ sơ tại một thời điểm</h2>
        <form onSubmit={(e) => void look(e)} noValidate>
          <div className={`field${stateProblem ? ' invalid' : ''}`}>
            <label htmlFor="rf-as-of">Thời điểm (giờ Việt Nam)</label>
            <input id="rf-as-of" type="datetime-local" step="1" value={moment} onChange={(e) => setMoment(e.target.value)}
              aria-invalid={stateProblem ? true : undefined} aria-describedby={stateProblem ? 'rf-as-of-e' : undefined} />
            {stateProblem && <p id="rf-as-of-e" className="field-error">{stateProblem}</p>}
          </div>
          <button type="submit" className="secondary" disabled={!moment}>Xem hồ sơ lúc đó</button>
        </form>
        {state && (
          <p role="status">
            {state.known && state.file
              ? `Lúc ${formatDateTime(state.as_of)}: ${FILE_STATUSES[state.file.status] ?? state.file.status}, ${documentsText(state.file)} (lần cập nhật thứ ${state.revision}, ${formatDateTime(state.revised_at)}).`
              : `Lúc ${formatDateTime(state.as_of)} hồ sơ chưa được lập (hoặc chưa có lịch sử).`}
          </p>
        )}
      </section>
    </article>
  );
}
