// The clerk issues an outgoing document (văn bản đi) from a draft the leader approved: the ND 30
// fields and the recipients picked from the agency's directory (its units) or other agencies by
// their code. From an approved draft the number comes first (ND 30: it is printed in the
// document before the signature): intake reserves it, the clerk has it printed and signed, then
// uploads the signed PDF, which must show it. Without a draft the signed original is numbered as
// it is uploaded. Intake then asks the exchange to send it.
import { useEffect, useRef, useState } from 'react';
import type { FormEvent } from 'react';
import { Link, useNavigate, useSearchParams } from 'react-router';
import { api, ApiError } from '../api/client';
import type { DirectoryUnit, Draft, IntakeDocument, OutgoingRecipient, RoutingCase } from '../api/types';
import { DOCUMENT_TYPES, URGENCIES } from '../labels';
import { sayError } from '../errors';
import { problemsByField } from './RegisterIncoming';
import type { DeskDraft } from './SigningDesk';
import { DraftLine } from './TaskPage';

export interface OutgoingFields {
  document_type: string;
  subject: string;
  'signer.competence': string;
  'signer.position': string;
  'signer.full_name': string;
  drafting_unit_abbreviation: string;
  urgency: string;
  due_date: string;
  agency_abbreviation: string;
  place: string;
}

const EMPTY: OutgoingFields = {
  document_type: 'official_letter',
  subject: '',
  'signer.competence': '',
  'signer.position': '',
  'signer.full_name': '',
  drafting_unit_abbreviation: '',
  urgency: 'normal',
  due_date: '',
  agency_abbreviation: '',
  place: '',
};

const LABELS: Record<string, string> = {
  document_type: 'Loại văn bản',
  subject: 'Trích yếu',
  'signer.competence': 'Thẩm quyền ký',
  'signer.position': 'Chức vụ người ký',
  'signer.full_name': 'Họ tên người ký',
  drafting_unit_abbreviation: 'Viết tắt đơn vị soạn thảo',
  urgency: 'Độ khẩn',
  due_date: 'Hạn trả lời',
  agency_abbreviation: 'Viết tắt tên cơ quan',
  place: 'Địa danh',
  recipients: 'Nơi nhận',
  file: 'Bản gốc đã ký số (PDF)',
  draft_id: 'Dự thảo',
};

/** intake's metadata for an outgoing document from the form (blank fields left out). */
export function outgoingMetadata(fields: OutgoingFields, recipients: OutgoingRecipient[], replyTo: string[]) {
  const signer = Object.fromEntries(
    (['competence', 'position', 'full_name'] as const)
      .map((k) => [k, fields[`signer.${k}`].trim()])
      .filter(([, v]) => v),
  );
  const metadata: Record<string, unknown> = {
    document_type: fields.document_type,
    subject: fields.subject.trim(),
    signer,
    recipients,
    urgency: fields.urgency,
    reply_to: replyTo,
  };
  if (fields.drafting_unit_abbreviation.trim()) metadata.drafting_unit_abbreviation = fields.drafting_unit_abbreviation.trim();
  if (fields.due_date) metadata.due_date = fields.due_date;
  return metadata;
}

/** Another agency typed by its code (mã định danh) and name. */
interface Agency {
  agency_code: string;
  name: string;
}

/** intake's answer to POST /v1/outgoing-documents/numbers. */
export interface NumberReservation {
  reservation_id: string;
  draft_id: string;
  notation: string;
  issued_date_text: string;
  status: string;
}

export function IssueOutgoing() {
  const [query] = useSearchParams();
  const caseId = query.get('case');
  const draftId = query.get('draft');
  const navigate = useNavigate();
  const [fields, setFields] = useState<OutgoingFields>(EMPTY);
  const [units, setUnits] = useState<DirectoryUnit[]>([]);
  const [chosenUnits, setChosenUnits] = useState<string[]>([]);
  const [agencies, setAgencies] = useState<Agency[]>([]);
  const [nextAgency, setNextAgency] = useState<Agency>({ agency_code: '', name: '' });
  const [source, setSource] = useState<{ found: RoutingCase; draft: Draft } | null>(null);
  const [errors, setErrors] = useState<Record<string, string[]>>({});
  const [general, setGeneral] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [reserved, setReserved] = useState<NumberReservation | null>(null);
  /** The leader signed this draft here (ADR 0019): intake numbers and seals it itself. */
  const [signedHere, setSignedHere] = useState<DeskDraft | null>(null);
  const file = useRef<HTMLInputElement>(null);

  useEffect(() => {
    api<DirectoryUnit[]>('routing', '/directory/units')
      .then((u) => setUnits(u.filter((x) => x.active)))
      .catch((e: unknown) => setGeneral([`Không tải được danh bạ đơn vị: ${sayError(e)}`]));
    if (!caseId) return;
    api<{ items: DeskDraft[] }>('intake', '/v1/outgoing-documents/drafts')
      .then((desk) => {
        const entry = desk.items.find((d) => d.draft_id === draftId);
        if (entry?.state === 'signed') setSignedHere(entry);
      })
      .catch(() => {}); // no desk (not signed here): the reserve-and-upload path below
    api<RoutingCase>('routing', `/cases/${encodeURIComponent(caseId)}`)
      .then((found) => {
        const draft = (found.drafts ?? []).find((d) => d.draft_id === draftId);
        if (!draft) return setGeneral(['Không tìm thấy dự thảo đã duyệt này.']);
        setSource({ found, draft });
        setFields((f) => ({
          ...f,
          subject: f.subject || `V/v trả lời văn bản: ${found.document.subject}`,
          urgency: found.document.urgency,
          'signer.full_name': f['signer.full_name'] || (draft.approved_by?.full_name ?? ''),
          'signer.position': f['signer.position'] || (draft.approved_by?.position ?? ''),
        }));
        // The issuer of the document answered is the first recipient, when it has a code.
        const issuer = found.document.issuer_agency_code;
        if (issuer) setAgencies((a) => (a.length ? a : [{ agency_code: issuer, name: found.document.issuer_name ?? issuer }]));
      })
      .catch((e: unknown) => setGeneral([`Không tải được dự thảo: ${sayError(e)}`]));
  }, [caseId, draftId]);

  const set = (name: keyof OutgoingFields) => (e: { target: { value: string } }) => setFields((f) => ({ ...f, [name]: e.target.value }));
  const recipients: OutgoingRecipient[] = [
    ...units.filter((u) => chosenUnits.includes(u.unit_id)).map((u) => ({ unit_id: u.unit_id, name: u.name })),
    ...agencies,
  ];

  function addAgency() {
    const code = nextAgency.agency_code.trim();
    const name = nextAgency.name.trim();
    if (!code || !name) return setErrors({ ...errors, recipients: ['Cần mã định danh và tên cơ quan nhận.'] });
    if (agencies.some((a) => a.agency_code === code)) return;
    setAgencies([...agencies, { agency_code: code, name }]);
    setNextAgency({ agency_code: '', name: '' });
    setErrors({ ...errors, recipients: [] });
  }

  function refused(e: unknown) {
    if (e instanceof ApiError) {
      const { byField, general: rest } = problemsByField(e, LABELS);
      setErrors(byField);
      setGeneral(rest);
    } else setGeneral([sayError(e)]);
  }

  /** From an approved draft: the number and date to print in the document before it is signed. */
  async function reserve(event: FormEvent) {
    event.preventDefault();
    if (!recipients.length) return setErrors({ recipients: ['Chọn ít nhất một nơi nhận.'] });
    setBusy(true);
    setErrors({});
    setGeneral([]);
    try {
      setReserved(
        await api<NumberReservation>('intake', '/v1/outgoing-documents/numbers', {
          method: 'POST',
          body: JSON.stringify({
            draft_id: draftId,
            metadata: outgoingMetadata(fields, recipients, [source!.found.document_id]),
            agency_abbreviation: fields.agency_abbreviation.trim(),
            place: fields.place.trim() || undefined,
          }),
        }),
      );
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  /** The draft the leader signed here: the number and date written in, the agency's seal, issued. */
  async function seal(event: FormEvent) {
    event.preventDefault();
    if (!recipients.length) return setErrors({ recipients: ['Chọn ít nhất một nơi nhận.'] });
    setBusy(true);
    setErrors({});
    setGeneral([]);
    try {
      const issued = await api<{ document_id: string }>('intake', '/v1/outgoing-documents/seals', {
        method: 'POST',
        body: JSON.stringify({
          draft_id: draftId,
          metadata: outgoingMetadata(fields, recipients, [source!.found.document_id]),
          agency_abbreviation: fields.agency_abbreviation.trim(),
          place: fields.place.trim() || undefined,
        }),
      });
      navigate(`/van-ban/${issued.document_id}`, { state: { issued: true } });
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    const signed = file.current?.files?.[0];
    const missing: Record<string, string[]> = {};
    if (!reserved && !recipients.length) missing.recipients = ['Chọn ít nhất một nơi nhận.'];
    if (!signed) missing.file = ['Đính kèm bản gốc đã ký số (PDF).'];
    if (Object.keys(missing).length) return setErrors(missing);
    setBusy(true);
    setErrors({});
    setGeneral([]);
    const form = new FormData();
    if (reserved) {
      form.append('reservation_id', reserved.reservation_id);
    } else {
      form.append('metadata', JSON.stringify(outgoingMetadata(fields, recipients, source ? [source.found.document_id] : [])));
      form.append('agency_abbreviation', fields.agency_abbreviation.trim());
      if (fields.place.trim()) form.append('place', fields.place.trim());
    }
    form.append('file', signed!, signed!.name);
    try {
      const issued = await api<IntakeDocument>('intake', '/v1/outgoing-documents', { method: 'POST', body: form });
      navigate(`/van-ban/${issued.id}`, { state: { issued: true } });
    } catch (e) {
      refused(e);
    } finally {
      setBusy(false);
    }
  }

  const fieldOf = (name: keyof OutgoingFields, control: 'input' | 'select' | 'textarea' = 'input', extra: Record<string, unknown> = {}) => {
    const id = `o-${name}`;
    const invalid = !!errors[name]?.length;
    const common = { id, value: fields[name], onChange: set(name), 'aria-invalid': invalid || undefined, 'aria-describedby': invalid ? `${id}-e` : undefined, ...extra };
    return (
      <div className={`field${invalid ? ' invalid' : ''}`}>
        <label htmlFor={id}>{LABELS[name]}</label>
        {control === 'select' ? (
          <select {...common}>
            {(name === 'urgency' ? URGENCIES : DOCUMENT_TYPES).map(([code, text]) => <option key={code} value={code}>{text}</option>)}
          </select>
        ) : control === 'textarea' ? <textarea rows={2} {...common} /> : <input {...common} />}
        {errors[name]?.map((m) => <p key={m} id={`${id}-e`} className="field-error">{m}</p>)}
      </div>
    );
  };

  return (
    <form className="register" onSubmit={(e) => void (source && signedHere ? seal(e) : source && !reserved ? reserve(e) : submit(e))} noValidate aria-labelledby="phat-hanh">
      <h1 id="phat-hanh">Phát hành văn bản đi</h1>
      {general.length > 0 && <div className="error" role="alert">{general.map((m) => <p key={m}>{m}</p>)}</div>}
      {source && (
        <section className="card" aria-labelledby="tu-du-thao">
          <h2 id="tu-du-thao">Từ dự thảo đã duyệt</h2>
          <p>
            Trả lời văn bản đến số {source.found.document.arrival_number}:{' '}
            <Link to={`/van-ban/${source.found.document_id}`}>{source.found.document.subject}</Link>
          </p>
          <DraftLine caseId={source.found.case_id} draft={source.draft} />
          <DraftLink caseId={source.found.case_id} draft={source.draft} />
        </section>
      )}
      <fieldset disabled={!!reserved}>
        <legend>Thông tin văn bản</legend>
        <div className="grid">
          {fieldOf('document_type', 'select')}
          {fieldOf('urgency', 'select')}
          {fieldOf('agency_abbreviation', 'input', { placeholder: 'UBND' })}
          {fieldOf('drafting_unit_abbreviation', 'input', { placeholder: 'KH' })}
          {fieldOf('place', 'input', { placeholder: 'Hà Nội' })}
          {fieldOf('due_date', 'input', { type: 'date' })}
        </div>
        {fieldOf('subject', 'textarea')}
      </fieldset>
      <fieldset disabled={!!reserved}>
        <legend>Người ký</legend>
        <div className="grid">
          {fieldOf('signer.competence', 'input', { placeholder: 'KT. GIÁM ĐỐC' })}
          {fieldOf('signer.position')}
          {fieldOf('signer.full_name')}
        </div>
      </fieldset>
      <fieldset disabled={!!reserved} aria-describedby={errors.recipients?.length ? 'o-recipients-e' : undefined}>
        <legend>{LABELS.recipients}</legend>
        {errors.recipients?.map((m) => <p key={m} id="o-recipients-e" className="field-error">{m}</p>)}
        <div className="two-columns">
          <div role="group" aria-labelledby="noi-bo">
            <h3 id="noi-bo">Đơn vị trong cơ quan</h3>
            {units.map((u) => (
              <label key={u.unit_id} className="check">
                <input
                  type="checkbox"
                  value={u.unit_id}
                  checked={chosenUnits.includes(u.unit_id)}
                  onChange={() => setChosenUnits(chosenUnits.includes(u.unit_id) ? chosenUnits.filter((x) => x !== u.unit_id) : [...chosenUnits, u.unit_id])}
                />
                {u.name}
              </label>
            ))}
          </div>
          <div role="group" aria-labelledby="co-quan-khac">
            <h3 id="co-quan-khac">Cơ quan khác (gửi qua trục liên thông)</h3>
            <ul className="files" aria-label="Cơ quan nhận">
              {agencies.map((a) => (
                <li key={a.agency_code}>
                  {a.name} <span className="muted">({a.agency_code})</span>{' '}
                  <button type="button" className="link" onClick={() => setAgencies(agencies.filter((x) => x !== a))}>Bỏ {a.name}</button>
                </li>
              ))}
            </ul>
            <div className="field">
              <label htmlFor="o-ma-cq">Mã định danh cơ quan nhận</label>
              <input id="o-ma-cq" placeholder="000.00.00.G09" value={nextAgency.agency_code} onChange={(e) => setNextAgency({ ...nextAgency, agency_code: e.target.value })} />
            </div>
            <div className="field">
              <label htmlFor="o-ten-cq">Tên cơ quan nhận</label>
              <input id="o-ten-cq" value={nextAgency.name} onChange={(e) => setNextAgency({ ...nextAgency, name: e.target.value })} />
            </div>
            <button type="button" className="secondary" onClick={addAgency}>Thêm cơ quan nhận</button>
          </div>
        </div>
      </fieldset>
      {source && signedHere && (
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang cấp số và đóng dấu…' : 'Cấp số, đóng dấu và phát hành'}</button>
          <span className="muted">
            {signedHere.signed_by?.full_name ?? 'Lãnh đạo'} đã ký số dự thảo này. Số và ngày được ghi vào văn bản, rồi đóng dấu số của cơ quan; cả hai chữ ký vẫn hợp lệ.
          </span>
        </p>
      )}
      {source && !signedHere && !reserved && (
        <p className="actions">
          <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang cấp số…' : 'Cấp số văn bản'}</button>
          <span className="muted">Số và ngày được cấp trước để in vào văn bản trước khi ký số.</span>
        </p>
      )}
      {reserved && (
        <section className="card success" aria-labelledby="so-da-cap">
          <h2 id="so-da-cap">Số đã cấp</h2>
          <p className="arrival" role="status">
            Số, ký hiệu: <strong>{reserved.notation}</strong>
          </p>
          <p>{reserved.issued_date_text}</p>
          <p className="muted">In số, ký hiệu và ngày này vào văn bản, trình ký số, rồi tải bản đã ký lên.</p>
        </section>
      )}
      {(!source || reserved) && !signedHere && (
        <>
          <div className={`field${errors.file?.length ? ' invalid' : ''}`}>
            <label htmlFor="o-file">{LABELS.file}</label>
            <input id="o-file" ref={file} type="file" accept="application/pdf,.pdf" aria-describedby={errors.file?.length ? 'o-file-e' : undefined} />
            {errors.file?.map((m) => <p key={m} id="o-file-e" className="field-error">{m}</p>)}
          </div>
          <p className="actions">
            <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang phát hành…' : reserved ? 'Phát hành và gửi' : 'Cấp số và gửi'}</button>
          </p>
        </>
      )}
    </form>
  );
}

/** The approved draft, opened in the browser's own viewer through routing's short-lived link. */
function DraftLink({ caseId, draft }: { caseId: string; draft: Draft }) {
  const [url, setUrl] = useState('');
  const [problem, setProblem] = useState('');
  async function open() {
    try {
      const link = await api<{ url: string }>('routing', `/cases/${encodeURIComponent(caseId)}/files/${encodeURIComponent(draft.file.file_id)}/link`);
      setUrl(link.url);
    } catch (e) {
      setProblem(`Không mở được dự thảo: ${sayError(e)}`);
    }
  }
  return (
    <div>
      {!url && <button type="button" className="link" onClick={() => void open()}>Xem dự thảo {draft.file.name}</button>}
      {problem && <p className="error" role="alert">{problem}</p>}
      {url && draft.file.media_type === 'application/pdf' && <iframe className="pdf" title={`Dự thảo ${draft.file.name}`} src={url} />}
      {url && <p><a href={url} target="_blank" rel="noopener noreferrer">Tải dự thảo {draft.file.name}</a></p>}
    </div>
  );
}
