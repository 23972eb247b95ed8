import { useRef, useState } from 'react';
import type { DragEvent, FormEvent, ReactNode } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Duplicate, IntakeDocument } from '../api/types';
import { vietnamToday } from '../dates';
import { CONFIDENTIALITIES, DOCUMENT_TYPES, URGENCIES, vietnamese } from '../labels';

/** The form's fields, named by their path in intake's metadata (`signer.full_name`). */
type Fields = Record<string, string>;

const EMPTY: Fields = {
  channel: 'paper',
  'issuer.name': '',
  'issuer.agency_code': '',
  document_type: 'official_letter',
  code_number: '',
  code_notation: '',
  issued_date: '',
  subject: '',
  page_count: '1',
  'signer.competence': '',
  'signer.position': '',
  'signer.full_name': '',
  urgency: 'normal',
  confidentiality: 'normal',
  allowed_user_ids: '',
  due_date: '',
  notes: '',
};

const LABELS: Record<string, string> = {
  file: 'Bản quét / tệp văn bản',
  channel: 'Hình thức nhận',
  'issuer.name': 'Cơ quan ban hành',
  'issuer.agency_code': 'Mã định danh cơ quan ban hành',
  document_type: 'Loại văn bản',
  code_number: 'Số',
  code_notation: 'Ký hiệu',
  issued_date: 'Ngày ban hành',
  subject: 'Trích yếu',
  page_count: 'Số trang',
  'signer.competence': 'Thẩm quyền ký',
  'signer.position': 'Chức vụ người ký',
  'signer.full_name': 'Họ tên người ký',
  urgency: 'Độ khẩn',
  confidentiality: 'Độ mật',
  allowed_user_ids: 'Người được xem (mã người dùng, cách nhau bằng dấu phẩy)',
  due_date: 'Hạn xử lý',
  notes: 'Ghi chú',
  register_anyway_reason: 'Lý do vẫn đăng ký',
};

const SAME: Record<string, string> = {
  'issuer, number, notation and date': 'cùng cơ quan ban hành, số, ký hiệu và ngày ban hành',
  'file content': 'cùng nội dung tệp',
};

export function metadataOf(fields: Fields): Record<string, unknown> {
  const nested: Record<string, unknown> = {};
  for (const [path, raw] of Object.entries(fields)) {
    const value = raw.trim();
    if (!value) continue;
    let parsed: unknown = value;
    if (path === 'page_count') parsed = Number(value);
    if (path === 'allowed_user_ids') parsed = value.split(',').map((s) => s.trim()).filter(Boolean);
    const [head, tail] = path.split('.');
    if (tail) nested[head] = { ...((nested[head] as object) ?? {}), [tail]: parsed };
    else nested[head] = parsed;
  }
  return nested;
}

/** API problems by form field: `metadata.signer.full_name` → `signer.full_name`. */
export function problemsByField(
  error: ApiError,
  labels: Record<string, string> = LABELS,
): { byField: Record<string, string[]>; general: string[] } {
  const byField: Record<string, string[]> = {};
  const general: string[] = [];
  for (const problem of error.problems) {
    const field = problem.field.replace(/^metadata\./, '');
    const message = vietnamese(problem.message);
    const known = field in labels ? field : Object.keys(labels).find((f) => field.startsWith(`${f}.`));
    if (known) (byField[known] ??= []).push(message);
    else general.push(problem.field && problem.field !== 'metadata' ? `${problem.field}: ${message}` : message);
  }
  if (!error.problems.length) general.push(`Máy chủ trả lời lỗi ${error.status}.`);
  return { byField, general };
}

export function RegisterIncoming() {
  const [fields, setFields] = useState<Fields>(EMPTY);
  const [files, setFiles] = useState<File[]>([]);
  const [dragging, setDragging] = useState(false);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [duplicate, setDuplicate] = useState<Duplicate | null>(null);
  const [reason, setReason] = useState('');
  const [registered, setRegistered] = useState<IntakeDocument | null>(null);
  const [busy, setBusy] = useState(false);
  const fileInput = useRef<HTMLInputElement>(null);
  const today = vietnamToday();

  const set = (name: string) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [name]: e.target.value }));

  function addFiles(list: FileList | null) {
    if (!list) return;
    setFiles((current) => [...current, ...Array.from(list)]);
  }

  function onDrop(event: DragEvent) {
    event.preventDefault();
    setDragging(false);
    addFiles(event.dataTransfer.files);
  }

  async function submit(event: FormEvent, anyway = false) {
    event.preventDefault();
    setBusy(true);
    setErrors({});
    setGeneral([]);
    const form = new FormData();
    form.append('metadata', JSON.stringify(metadataOf(fields)));
    files.forEach((file) => form.append('file', file, file.name));
    if (anyway) form.append('register_anyway_reason', reason);
    try {
      const document = await api<IntakeDocument>('intake', '/v1/documents', { method: 'POST', body: form });
      setRegistered(document);
      setDuplicate(null);
    } catch (e) {
      if (e instanceof ApiError && e.status === 409) {
        setDuplicate(e.body as Duplicate);
      } else if (e instanceof ApiError) {
        const { byField, general: rest } = problemsByField(e);
        setErrors(byField);
        setGeneral(rest);
      } else {
        setGeneral([`Không gửi được: ${e instanceof Error ? e.message : String(e)}`]);
      }
    } finally {
      setBusy(false);
    }
  }

  function startOver() {
    setFields(EMPTY);
    setFiles([]);
    setRegistered(null);
    setDuplicate(null);
    setReason('');
    if (fileInput.current) fileInput.current.value = '';
  }

  if (registered) {
    return (
      <section className="card success" aria-labelledby="da-dang-ky">
        <h1 id="da-dang-ky">Đã đăng ký văn bản đến</h1>
        <p className="arrival" role="status">
          Số đến: <strong>{registered.arrival_number ?? registered.number}</strong>/{registered.arrival_year ?? registered.year}
        </p>
        <p>{registered.metadata?.subject}</p>
        <p className="actions">
          <Link to={`/van-ban/${registered.id}`}>Xem văn bản</Link>
          <button type="button" className="secondary" onClick={startOver}>
            Đăng ký văn bản khác
          </button>
        </p>
      </section>
    );
  }

  const field = (name: string, control: ReactNode, hint?: string) => (
    <div className={`field${errors[name] ? ' invalid' : ''}`}>
      <label htmlFor={`f-${name}`}>{LABELS[name]}</label>
      {control}
      {hint && (
        <small id={`h-${name}`} className="muted">
          {hint}
        </small>
      )}
      {errors[name]?.map((m) => (
        <p key={m} id={`e-${name}`} className="field-error">
          {m}
        </p>
      ))}
    </div>
  );
  const describedBy = (name: string, hint = false) =>
    [errors[name] ? `e-${name}` : '', hint ? `h-${name}` : ''].filter(Boolean).join(' ') || undefined;
  const input = (name: string, props: Record<string, unknown> = {}) => (
    <input
      id={`f-${name}`}
      name={name}
      value={fields[name]}
      onChange={set(name)}
      aria-invalid={errors[name] ? true : undefined}
      aria-describedby={describedBy(name, 'data-hint' in props)}
      {...props}
    />
  );
  const select = (name: string, options: [string, string][]) => (
    <select id={`f-${name}`} name={name} value={fields[name]} onChange={set(name)} aria-invalid={errors[name] ? true : undefined} aria-describedby={describedBy(name)}>
      {options.map(([code, text]) => (
        <option key={code} value={code}>
          {text}
        </option>
      ))}
    </select>
  );

  return (
    <form className="register" onSubmit={(e) => void submit(e)} noValidate aria-labelledby="dang-ky">
      <h1 id="dang-ky">Đăng ký văn bản đến</h1>
      {general.length > 0 && (
        <div className="error" role="alert">
          {general.map((m) => (
            <p key={m}>{m}</p>
          ))}
        </div>
      )}
      {Object.keys(errors).length > 0 && (
        <p className="error" role="alert">
          Chưa đăng ký được: hãy sửa {Object.keys(errors).length} ô được đánh dấu.
        </p>
      )}

      <div className={`field${errors.file ? ' invalid' : ''}`}>
        <label htmlFor="f-file">{LABELS.file}</label>
        <div
          className={`dropzone${dragging ? ' dragging' : ''}`}
          onDragOver={(e) => {
            e.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <p>Kéo thả bản quét (PDF, PNG, JPEG, TIFF) vào đây, hoặc</p>
          <input
            ref={fileInput}
            id="f-file"
            type="file"
            multiple
            accept="application/pdf,image/png,image/jpeg,image/tiff,.pdf,.png,.jpg,.jpeg,.tif,.tiff"
            onChange={(e) => addFiles(e.target.files)}
            aria-describedby={errors.file ? 'e-file' : undefined}
          />
        </div>
        {files.length > 0 && (
          <ul className="files" aria-label="Tệp đã chọn">
            {files.map((f, i) => (
              <li key={`${f.name}-${i}`}>
                {f.name} <span className="muted">({Math.ceil(f.size / 1024)} KB)</span>{' '}
                <button type="button" className="link" onClick={() => setFiles(files.filter((_, j) => j !== i))}>
                  Bỏ tệp {f.name}
                </button>
              </li>
            ))}
          </ul>
        )}
        {errors.file?.map((m) => (
          <p key={m} id="e-file" className="field-error">
            {m}
          </p>
        ))}
      </div>

      <fieldset>
        <legend>Thông tin văn bản</legend>
        <div className="grid">
          {field('channel', select('channel', [['paper', 'Văn bản giấy'], ['electronic', 'Văn bản điện tử']]))}
          {field('document_type', select('document_type', DOCUMENT_TYPES))}
          {field('issuer.name', input('issuer.name'))}
          {field('issuer.agency_code', input('issuer.agency_code', { placeholder: '000.00.00.G09' }))}
          {field('code_number', input('code_number', { inputMode: 'numeric', placeholder: '15' }))}
          {field('code_notation', input('code_notation', { placeholder: 'QĐ-BNV' }))}
          {field('issued_date', input('issued_date', { type: 'date', max: today }))}
          {field('page_count', input('page_count', { type: 'number', min: 1, max: 999 }))}
        </div>
        {field('subject', <textarea id="f-subject" name="subject" rows={3} value={fields.subject} onChange={set('subject')} aria-invalid={errors.subject ? true : undefined} aria-describedby={describedBy('subject')} />)}
      </fieldset>

      <fieldset>
        <legend>Người ký</legend>
        <div className="grid">
          {field('signer.competence', input('signer.competence', { placeholder: 'KT. BỘ TRƯỞNG' }))}
          {field('signer.position', input('signer.position', { placeholder: 'Thứ trưởng' }))}
          {field('signer.full_name', input('signer.full_name'))}
        </div>
      </fieldset>

      <fieldset>
        <legend>Xử lý</legend>
        <div className="grid">
          {field('urgency', select('urgency', URGENCIES))}
          {field('confidentiality', select('confidentiality', CONFIDENTIALITIES))}
          {field('due_date', input('due_date', { type: 'date' }))}
          {fields.confidentiality !== 'normal' && field('allowed_user_ids', input('allowed_user_ids'))}
        </div>
        {field('notes', <textarea id="f-notes" name="notes" rows={2} value={fields.notes} onChange={set('notes')} aria-describedby={describedBy('notes')} />)}
      </fieldset>

      {duplicate && (
        <section className="card warning" aria-labelledby="trung-lap" role="alert">
          <h2 id="trung-lap">Văn bản này có thể đã được đăng ký</h2>
          <p>
            Đã có một văn bản {SAME[duplicate.same] ?? 'trùng'}.{' '}
            <Link to={`/van-ban/${duplicate.existing_id}`}>Xem văn bản đã đăng ký</Link>
          </p>
          <div className="field">
            <label htmlFor="f-register_anyway_reason">{LABELS.register_anyway_reason}</label>
            <textarea id="f-register_anyway_reason" rows={2} value={reason} onChange={(e) => setReason(e.target.value)} />
          </div>
          <button type="button" className="primary" disabled={busy || !reason.trim()} onClick={(e) => void submit(e, true)}>
            Vẫn đăng ký
          </button>
        </section>
      )}

      <p className="actions">
        <button type="submit" className="primary" disabled={busy}>
          {busy ? 'Đang đăng ký…' : 'Đăng ký'}
        </button>
      </p>
    </form>
  );
}
