// The leader's inbox order and counts (routing orders the same way; the app keeps it so when
// it shows a list it has itself changed).
import type { RoutingCase } from './api/types';

const RANK: Record<string, number> = { normal: 0, urgent: 1, very_urgent: 2, flash: 3 };

export function byUrgencyThenDeadline(a: RoutingCase, b: RoutingCase): number {
  const rank = (RANK[b.document.urgency] ?? 0) - (RANK[a.document.urgency] ?? 0);
  if (rank) return rank;
  const due = (a.document.due_date ?? '9999-12-31').localeCompare(b.document.due_date ?? '9999-12-31');
  if (due) return due;
  return a.document.received_at.localeCompare(b.document.received_at);
}

export interface InboxCounts {
  total: number;
  flash: number;
  very_urgent: number;
  urgent: number;
  overdue: number;
  due_soon: number;
}

/** `today` is Vietnam's date (yyyy-mm-dd); due soon means within three days. */
export function countInbox(cases: RoutingCase[], today: string, soon: string): InboxCounts {
  const counts: InboxCounts = { total: cases.length, flash: 0, very_urgent: 0, urgent: 0, overdue: 0, due_soon: 0 };
  for (const c of cases) {
    const u = c.document.urgency;
    if (u === 'flash' || u === 'very_urgent' || u === 'urgent') counts[u] += 1;
    const due = c.document.due_date;
    if (due && due < today) counts.overdue += 1;
    else if (due && due <= soon) counts.due_soon += 1;
  }
  return counts;
}
