// The leader's dashboard figures per unit, from routing's task lists and reports: open work,
// due soon (within three working days), overdue, and the on-time rate of completed work.
import type { CalendarDay } from './components/WorkingDays';
import type { TaskLine } from './api/types';

export interface OverdueRow {
  masked: boolean;
  task_id: string | null;
  case_id: string | null;
  subject: string | null;
  assignee_user_id: string | null;
  due_date: string;
  overdue_working_days: number;
}

export interface OverdueByUnit {
  unit_id: string;
  overdue: number;
  tasks: OverdueRow[];
}

export interface ProcessingByUnit {
  unit_id: string;
  completed: number;
  completed_late: number;
  median_working_days: number;
  max_working_days: number;
}

export interface UnitFigures {
  unit_id: string;
  open: number;
  due_soon: number;
  overdue: number;
  completed: number;
  /** Percent of completed work done by its deadline; null when nothing was completed yet. */
  on_time_rate: number | null;
}

const OPEN = ['assigned', 'in_progress'];

/** The `n`-th working day after `today` on the calendar given (today itself never counts). */
export function workingDaysAhead(days: CalendarDay[], today: string, n: number): string {
  const ahead = days.filter((d) => d.date > today && d.working);
  return ahead[Math.min(n, ahead.length) - 1]?.date ?? today;
}

export function unitFigures(
  unitId: string,
  tasks: TaskLine[],
  overdue: OverdueByUnit[],
  processing: ProcessingByUnit[],
  today: string,
  soon: string,
): UnitFigures {
  // The unit's own tasks: a specialist's sub-task is the unit's task being worked on, not more work.
  const open = tasks.filter((t) => t.assignee.unit_id === unitId && !t.parent_task_id && OPEN.includes(t.status));
  const done = processing.find((p) => p.unit_id === unitId);
  return {
    unit_id: unitId,
    open: open.length,
    due_soon: open.filter((t) => t.due_date && t.due_date >= today && t.due_date <= soon).length,
    overdue: overdue.find((o) => o.unit_id === unitId)?.overdue ?? 0,
    completed: done?.completed ?? 0,
    on_time_rate: done && done.completed ? Math.round((100 * (done.completed - done.completed_late)) / done.completed) : null,
  };
}
