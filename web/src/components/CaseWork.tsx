// On an incoming document's page, for the registry and the leaders: where its handling stands in
// routing, and the drafts the leader approved, each with a way to issue it as an outgoing document.
import { useEffect, useState } from 'react';
import { Link } from 'react-router';
import { api, ApiError } from '../api/client';
import type { RoutingCase } from '../api/types';
import { caseIdFor } from '../caseId';
import { sayError } from '../errors';
import { CASE_STATUSES, label } from '../labels';
import { DraftLine } from '../pages/TaskPage';
import { hasRole, useSession } from '../session';

export function CaseWork({ agencyCode, documentId }: { agencyCode: string; documentId: string }) {
  const { session } = useSession();
  const [found, setFound] = useState<RoutingCase | null | undefined>(undefined);
  const [error, setError] = useState('');

  useEffect(() => {
    let live = true;
    caseIdFor(agencyCode, documentId)
      .then((id) => api<RoutingCase>('routing', `/cases/${id}`))
      .then((c) => live && setFound(c))
      .catch((e: unknown) => {
        if (!live) return;
        if (e instanceof ApiError && e.status === 404) setFound(null);
        else setError(sayError(e));
      });
    return () => {
      live = false;
    };
  }, [agencyCode, documentId]);

  if (error) return <p className="muted">Chưa tải được tình hình xử lý ({error}).</p>;
  if (found === undefined) return null;
  const approved = (found?.drafts ?? []).filter((d) => d.status === 'approved');
  return (
    <section className="card" aria-labelledby="xu-ly">
      <h2 id="xu-ly">Tình hình xử lý</h2>
      {!found && <p>Văn bản chưa được trình lãnh đạo.</p>}
      {found && (
        <>
          <p>
            {label(CASE_STATUSES, found.status)}
            {found.leader && ` · trình ${found.leader.full_name}`} · <Link to={`/chi-dao/${found.case_id}`}>Xem ý kiến chỉ đạo và phân công</Link>
          </p>
          {approved.length > 0 && (
            <>
              <h3>Dự thảo đã được phê duyệt</h3>
              <ul className="drafts">
                {approved.map((d) => (
                  <li key={d.draft_id}>
                    <DraftLine caseId={found.case_id} draft={d} />
                    {hasRole(session, 'clerk') && (
                      <Link className="button" to={`/van-ban-di/phat-hanh?case=${found.case_id}&draft=${d.draft_id}`}>
                        Phát hành văn bản đi từ dự thảo này
                      </Link>
                    )}
                  </li>
                ))}
              </ul>
            </>
          )}
        </>
      )}
    </section>
  );
}
