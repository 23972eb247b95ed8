// Ký số và phát hành (issue 14): the leader signs approved drafts, one or many with one
// confirmation (intake's POST /v1/outgoing-documents/signatures, keys in the agency's token or the
// CA's remote signing); the clerk then takes the number and seals each signed draft (the issue
// page, POST /v1/outgoing-documents/seals). The list is intake's signing desk
// (GET /v1/outgoing-documents/drafts): where each approved draft stands.
import { useCallback, useEffect, useState } from 'react';
import type { FormEvent } from 'react';
import { Link } from 'react-router';
import { api } from '../api/client';
import type { IntakeSchema } from '../api/types';
import { formatDateTime } from '../dates';
import { sayError } from '../errors';
import { useLiveReload } from '../live';
import { hasRole, useSession } from '../session';

export type DeskDraft = IntakeSchema<'DeskDraftOut'>;

const STATES: Record<string, string> = {
  awaiting_signature: 'Chờ ký số',
  signed: 'Đã ký, chờ cấp số và đóng dấu',
  issued: 'Đã phát hành',
};

export function SigningDesk() {
  const { session } = useSession();
  const me = session!.person;
  const leader = hasRole(session, 'leader');
  const clerk = hasRole(session, 'clerk');
  const [drafts, setDrafts] = useState<DeskDraft[] | null>(null);
  const [chosen, setChosen] = useState<string[]>([]);
  const [signer, setSigner] = useState({ competence: '', position: me.position ?? '', full_name: me.full_name });
  const [error, setError] = useState('');
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);

  const load = useCallback(async () => {
    try {
      setDrafts((await api<{ items: DeskDraft[] }>('intake', '/v1/outgoing-documents/drafts')).items);
    } catch (e) {
      setError(`Không tải được danh sách dự thảo: ${sayError(e)}`);
    }
  }, []);
  useEffect(() => {
    void load();
  }, [load]);
  useLiveReload(() => void load());

  // A leader signs what he approved; a deputy signing "KT." sees the drafts he approved too.
  const toSign = (drafts ?? []).filter((d) => d.state === 'awaiting_signature' && d.approved_by.user_id === me.user_id);
  const toSeal = (drafts ?? []).filter((d) => d.state === 'signed');
  const done = (drafts ?? []).filter((d) => d.state === 'issued').slice(0, 20);

  async function sign(event: FormEvent) {
    event.preventDefault();
    if (!chosen.length) return setError('Chọn ít nhất một dự thảo để ký.');
    if (!signer.full_name.trim()) return setError('Họ tên người ký: bắt buộc nhập.');
    setBusy(true);
    setError('');
    setSaid('');
    try {
      const body = { draft_ids: chosen, signer: Object.fromEntries(Object.entries(signer).map(([k, v]) => [k, v.trim()]).filter(([, v]) => v)) };
      const signed = await api<{ drafts: unknown[] }>('intake', '/v1/outgoing-documents/signatures', { method: 'POST', body: JSON.stringify(body) });
      setSaid(`Đã ký số ${signed.drafts.length} văn bản.`);
      setChosen([]);
      await load();
    } catch (e) {
      setError(sayError(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="ky-so">
      <div className="heading">
        <h1 id="ky-so">Ký số và phát hành</h1>
        <button type="button" className="secondary" onClick={() => void load()}>Tải lại</button>
      </div>
      {error && <p className="error" role="alert">{error}</p>}
      {said && <p className="success-line" role="status">{said}</p>}
      {!drafts && !error && <p role="status">Đang tải…</p>}

      {leader && drafts && (
        <form className="card" onSubmit={(e) => void sign(e)} aria-labelledby="cho-ky" noValidate>
          <h2 id="cho-ky">Dự thảo chờ tôi ký</h2>
          {toSign.length === 0 ? (
            <p>Không có dự thảo nào chờ ký.</p>
          ) : (
            <>
              <p className="actions">
                <button type="button" className="link" onClick={() => setChosen(toSign.map((d) => d.draft_id))}>Chọn tất cả ({toSign.length})</button>
              </p>
              <ul className="desk" aria-label="Dự thảo chờ ký">
                {toSign.map((d) => (
                  <li key={d.draft_id}>
                    <label className="check">
                      <input
                        type="checkbox"
                        value={d.draft_id}
                        checked={chosen.includes(d.draft_id)}
                        onChange={() => setChosen(chosen.includes(d.draft_id) ? chosen.filter((x) => x !== d.draft_id) : [...chosen, d.draft_id])}
                      />
                      <span>
                        {d.file_name}
                        <span className="muted"> · trả lời {d.answers_subject ? `“${d.answers_subject}”` : 'văn bản đến'}{d.answers_number && ` (số đến ${d.answers_number})`} · duyệt {formatDateTime(d.approved_at)}</span>
                      </span>
                    </label>
                    {d.last_failure && <p className="field-error">Lần ký trước không thành công: {d.last_failure}</p>}
                    <Link to={`/chi-dao/${encodeURIComponent(d.case_id)}`}>Xem hồ sơ xử lý</Link>
                  </li>
                ))}
              </ul>
              <fieldset>
                <legend>Người ký (như in ở chữ ký)</legend>
                <div className="grid">
                  <div className="field">
                    <label htmlFor="k-tham-quyen">Thẩm quyền ký</label>
                    <input id="k-tham-quyen" placeholder="KT. GIÁM ĐỐC" value={signer.competence} onChange={(e) => setSigner({ ...signer, competence: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor="k-chuc-vu">Chức vụ</label>
                    <input id="k-chuc-vu" value={signer.position} onChange={(e) => setSigner({ ...signer, position: e.target.value })} />
                  </div>
                  <div className="field">
                    <label htmlFor="k-ho-ten">Họ tên</label>
                    <input id="k-ho-ten" value={signer.full_name} onChange={(e) => setSigner({ ...signer, full_name: e.target.value })} />
                  </div>
                </div>
              </fieldset>
              <p className="actions">
                <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang ký… (xác nhận trên thiết bị ký nếu được hỏi)' : `Ký số ${chosen.length || ''} văn bản`.replace('  ', ' ')}</button>
                <span className="muted">Một lần xác nhận cho cả lô.</span>
              </p>
            </>
          )}
        </form>
      )}

      {(clerk || !leader) && drafts && (
        <section className="card" aria-labelledby="cho-cap-so">
          <h2 id="cho-cap-so">Đã ký, chờ cấp số và đóng dấu</h2>
          {toSeal.length === 0 ? (
            <p>Không có văn bản nào chờ cấp số.</p>
          ) : (
            <ul className="desk" aria-label="Văn bản chờ cấp số">
              {toSeal.map((d) => (
                <li key={d.draft_id}>
                  <strong>{d.file_name}</strong>
                  <span className="muted"> · {d.signed_by?.full_name} ký {d.signed_at ? formatDateTime(d.signed_at) : ''} · trả lời {d.answers_subject ?? 'văn bản đến'}</span>{' '}
                  {clerk && <Link to={`/van-ban-di/phat-hanh?case=${encodeURIComponent(d.case_id)}&draft=${encodeURIComponent(d.draft_id)}`}>Cấp số, đóng dấu và phát hành</Link>}
                </li>
              ))}
            </ul>
          )}
        </section>
      )}

      {drafts && done.length > 0 && (
        <section className="card" aria-labelledby="da-phat-hanh">
          <h2 id="da-phat-hanh">Đã phát hành gần đây</h2>
          <ul className="desk">
            {done.map((d) => (
              <li key={d.draft_id}>
                {d.issued_document_id ? <Link to={`/van-ban/${d.issued_document_id}`}>Số {d.issued_notation}</Link> : `Số ${d.issued_notation}`}
                <span className="muted"> · {d.file_name} · {STATES[d.state]}</span>
              </li>
            ))}
          </ul>
        </section>
      )}
    </section>
  );
}
