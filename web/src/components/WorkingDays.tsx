// The working-day calendar beside a deadline (routing's GET /calendar): the month of the chosen
// day, weekends and holidays marked and named, and how many working days are left until it.
import { useEffect, useState } from 'react';
import { api } from '../api/client';
import { formatDate, vietnamToday } from '../dates';
import { sayError } from '../errors';

export interface CalendarDay {
  date: string;
  working: boolean;
  weekend: boolean;
  day_off: { name_vi: string; kind: string } | null;
}

const WEEKDAYS = ['T2', 'T3', 'T4', 'T5', 'T6', 'T7', 'CN'];

function monthOf(iso: string): string {
  return iso.slice(0, 7);
}

function shiftMonth(month: string, by: number): string {
  const [y, m] = month.split('-').map(Number);
  const d = new Date(Date.UTC(y, m - 1 + by, 1));
  return d.toISOString().slice(0, 7);
}

function lastDay(month: string): string {
  const [y, m] = month.split('-').map(Number);
  return new Date(Date.UTC(y, m, 0)).toISOString().slice(0, 10);
}

/** Working days after `from` up to and including `to`, on the days the calendar gave. */
export function workingDaysUntil(days: CalendarDay[], from: string, to: string): number {
  return days.filter((d) => d.date > from && d.date <= to && d.working).length;
}

export function WorkingDays({ chosen }: { chosen: string }) {
  const today = vietnamToday();
  const [month, setMonth] = useState(monthOf(chosen || today));
  const [days, setDays] = useState<CalendarDay[] | null>(null);
  const [error, setError] = useState('');

  useEffect(() => {
    if (chosen) setMonth(monthOf(chosen));
  }, [chosen]);

  useEffect(() => {
    let live = true;
    // From today, so the working days left can be counted, to the end of the month shown.
    const start = `${month}-01` < today ? `${month}-01` : today;
    const end = chosen && chosen > lastDay(month) ? chosen : lastDay(month);
    api<{ days: CalendarDay[] }>('routing', `/calendar?from=${start}&to=${end}`)
      .then((answer) => live && (setDays(answer.days), setError('')))
      .catch((e: unknown) => live && setError(sayError(e)));
    return () => {
      live = false;
    };
  }, [month, today, chosen]);

  if (error) return <p className="muted">Chưa tải được lịch làm việc ({error}).</p>;
  if (!days) return null;
  const shown = days.filter((d) => monthOf(d.date) === month);
  const offset = shown.length ? (new Date(`${shown[0].date}T00:00:00Z`).getUTCDay() + 6) % 7 : 0;
  const holidays = shown.filter((d) => d.day_off);
  const chosenDay = days.find((d) => d.date === chosen);
  const [y, m] = month.split('-');

  return (
    <section className="calendar" aria-labelledby="lich-lam-viec">
      <div className="calendar-head">
        <button type="button" className="link" onClick={() => setMonth(shiftMonth(month, -1))} aria-label="Tháng trước">‹</button>
        <h3 id="lich-lam-viec">Lịch làm việc tháng {Number(m)}/{y}</h3>
        <button type="button" className="link" onClick={() => setMonth(shiftMonth(month, 1))} aria-label="Tháng sau">›</button>
      </div>
      <table className="month">
        <thead>
          <tr>{WEEKDAYS.map((w) => <th key={w} scope="col">{w}</th>)}</tr>
        </thead>
        <tbody>
          {Array.from({ length: Math.ceil((offset + shown.length) / 7) }, (_, week) => (
            <tr key={week}>
              {Array.from({ length: 7 }, (_, i) => {
                const d = shown[week * 7 + i - offset];
                if (!d) return <td key={i} />;
                const kind = d.day_off ? 'holiday' : d.working ? 'working' : 'weekend';
                const classes = [kind, d.date === chosen && 'chosen', d.date === today && 'today'].filter(Boolean).join(' ');
                return (
                  <td key={i} className={classes} title={d.day_off?.name_vi}>
                    {Number(d.date.slice(8))}
                    {d.day_off && <span className="visually-hidden"> (nghỉ: {d.day_off.name_vi})</span>}
                  </td>
                );
              })}
            </tr>
          ))}
        </tbody>
      </table>
      {holidays.length > 0 && (
        <ul className="holidays" aria-label="Ngày nghỉ lễ trong tháng">
          {holidays.map((d) => (
            <li key={d.date}>{formatDate(d.date)}: {d.day_off!.name_vi}</li>
          ))}
        </ul>
      )}
      {chosen && chosenDay && (
        <p className={chosenDay.working ? 'muted' : 'overdue'} role="status">
          {chosenDay.working
            ? `Hạn ${formatDate(chosen)}: còn ${workingDaysUntil(days, today, chosen)} ngày làm việc.`
            : `Hạn ${formatDate(chosen)} là ngày nghỉ${chosenDay.day_off ? ` (${chosenDay.day_off.name_vi})` : ''}: nên chọn ngày làm việc.`}
        </p>
      )}
    </section>
  );
}
