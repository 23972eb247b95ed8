// Who decided, and, for a secretary's proxy entry (nhập thay), who typed it in from which paper
// slip: shown wherever a decision appears, so a proxy entry never reads as the leader's own click.
import type { Authorship } from '../api/types';
import { formatDate, formatDateTime } from '../dates';

export function proxyNote(a: Authorship): string {
  const slip = a.evidence_file ? ` (${a.evidence_file.name})` : '';
  return `${a.recorded_by.full_name} nhập thay theo phiếu giải quyết ngày ${formatDate(a.decided_at)}${slip}`;
}

export function DecidedBy({ authorship, withTime = true }: { authorship: Authorship | null | undefined; withTime?: boolean }) {
  if (!authorship) return null;
  const leader = [authorship.decided_by.full_name, authorship.decided_by.position].filter(Boolean).join(', ');
  return (
    <span className="decided-by">
      {leader}
      {withTime && !authorship.on_behalf && <span className="muted"> · {formatDateTime(authorship.decided_at)}</span>}
      {authorship.on_behalf && (
        <>
          {' '}
          <span className="badge proxy" title="Thư ký nhập thay lãnh đạo (thừa lệnh)">
            Nhập thay
          </span>{' '}
          <span className="muted">{proxyNote(authorship)}</span>
        </>
      )}
    </span>
  );
}
