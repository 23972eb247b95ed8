// The leader's dashboard figures per unit, from the indicators routing's Faust worker keeps from
// the streams (GET /reports/indicators, ADR 0051 and 0052): open work, work due within three
// working days and overdue now; work completed and the on-time rate; processing times of the
// documents the unit led (median and 90th percentile, in working days); urgings by kind.
import type { Indicators, RoutingSchema } from './api/types';

export type OverdueByUnit = RoutingSchema<'OverdueUnit'>;
export type OverdueRow = RoutingSchema<'OverdueTask'>;

export interface UnitFigures {
  unit_id: string;
  open: number;
  due_soon: number;
  overdue: number;
  completed: number;
  /** Percent of completed work done by its deadline; null when nothing was completed yet. */
  on_time_rate: number | null;
  /** Documents the unit led to completion, and their working days (null: none yet). */
  led: number;
  median_days: number | null;
  p90_days: number | null;
  reminders: number;
  reprimands: number;
  reviews: number;
}

/** A unit's figures, every month added up (the on-time rate and urgings since counting began). */
export function unitFigures(unitId: string, indicators: Indicators): UnitFigures {
  const now = indicators.now.units[unitId];
  let onTime = 0;
  let late = 0;
  for (const month of Object.values(indicators.months)) {
    const row = month.units[unitId];
    if (row) {
      onTime += row.on_time;
      late += row.late;
    }
  }
  let reminders = 0;
  let reprimands = 0;
  let reviews = 0;
  for (const month of Object.values(indicators.urgings ?? {})) {
    const row = month.units[unitId];
    if (row) {
      reminders += row.reminder;
      reprimands += row.reprimand;
      reviews += row.disciplinary_review;
    }
  }
  const led = indicators.processing_all?.[unitId];
  const done = onTime + late;
  return {
    unit_id: unitId,
    open: now?.open ?? 0,
    due_soon: now?.due_soon ?? 0,
    overdue: now?.overdue ?? 0,
    completed: done,
    on_time_rate: done ? Math.round((100 * onTime) / done) : null,
    led: led?.completed ?? 0,
    median_days: led ? led.median : null,
    p90_days: led ? led.p90 : null,
    reminders,
    reprimands,
    reviews,
  };
}

/** Working days, as a leader reads them: "2", "2,5". */
export function days(value: number | null): string {
  return value === null ? '—' : value.toLocaleString('vi-VN', { maximumFractionDigits: 1 });
}
