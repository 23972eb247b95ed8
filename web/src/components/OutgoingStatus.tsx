// Where an outgoing document stands at each recipient (intake's recipient_statuses, worded in
// Vietnamese there: transport state, then the recipient's processing status 01–06, 13, 15, 16),
// and the units of the agency it went to.
import { metadataOf, recipientsOf } from '../api/documents';
import type { IntakeDocument } from '../api/types';
import { formatDateTime } from '../dates';

export function OutgoingStatus({ document }: { document: IntakeDocument }) {
  const recipients = recipientsOf(metadataOf(document));
  const internal = recipients.filter((r) => r.unit_id);
  const statuses = document.recipient_statuses ?? [];
  const waiting = (document.send_requested_to ?? []).filter((code) => !statuses.some((s) => s.agency_code === code));
  return (
    <section className="card" aria-labelledby="noi-nhan">
      <h2 id="noi-nhan">Nơi nhận và trạng thái</h2>
      <div className="table-wrap">
        <table>
          <thead>
            <tr>
              <th scope="col">Nơi nhận</th>
              <th scope="col">Trạng thái</th>
              <th scope="col">Cập nhật</th>
            </tr>
          </thead>
          <tbody>
            {statuses.map((s) => (
              <tr key={s.agency_code} className={s.error ? 'status-error' : undefined}>
                <th scope="row">
                  {s.name} <span className="muted">({s.agency_code})</span>
                </th>
                <td>
                  <strong className={s.error ? 'error' : undefined}>{s.label}</strong>
                  {s.processing && <div className="muted">Gửi đi: {s.delivery.label}</div>}
                  {s.history.length > 1 && (
                    <details>
                      <summary>Quá trình</summary>
                      <ol className="history">
                        {s.history.map((h, i) => (
                          <li key={i}>{formatDateTime(h.at)}: {h.label}{h.detail && ` (${h.detail})`}</li>
                        ))}
                      </ol>
                    </details>
                  )}
                </td>
                <td>{formatDateTime(s.processing?.at ?? s.delivery.at)}</td>
              </tr>
            ))}
            {waiting.map((code) => (
              <tr key={code}>
                <th scope="row">{recipients.find((r) => r.agency_code === code)?.name ?? code} <span className="muted">({code})</span></th>
                <td>Đã yêu cầu gửi</td>
                <td />
              </tr>
            ))}
            {internal.map((r) => (
              <tr key={r.unit_id}>
                <th scope="row">{r.name}</th>
                <td>Gửi nội bộ</td>
                <td />
              </tr>
            ))}
            {recipients
              .filter((r) => r.agency_code && !(document.send_requested_to ?? []).includes(r.agency_code))
              .map((r) => (
                <tr key={r.agency_code}>
                  <th scope="row">{r.name} <span className="muted">({r.agency_code})</span></th>
                  <td>Không gửi qua trục liên thông (văn bản mật gửi bằng đường bưu chính)</td>
                  <td />
                </tr>
              ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
