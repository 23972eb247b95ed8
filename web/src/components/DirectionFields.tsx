// The direction a leader gives (ý kiến chỉ đạo): the text, one lead unit, coordinating units and
// units for information, and the deadline. The leader's own form and the secretary's proxy entry
// of a paper slip both use it.
import type { ReactNode } from 'react';
import type { DirectoryUnit } from '../api/types';
import { vietnamToday } from '../dates';

export interface DirectionForm {
  lead: string;
  coordinating: string[];
  information: string[];
  due: string;
  text: string;
}

export const EMPTY_DIRECTION: DirectionForm = { lead: '', coordinating: [], information: [], due: '', text: '' };

/** The assignments of routing's direction bodies for what the leader chose. */
export function assignmentsOf(form: DirectionForm) {
  const due = form.due || undefined;
  return [
    { unit_id: form.lead, role: 'lead', due_date: due },
    ...form.coordinating.filter((u) => u !== form.lead).map((unit_id) => ({ unit_id, role: 'coordinating', due_date: due })),
    ...form.information
      .filter((u) => u !== form.lead && !form.coordinating.includes(u))
      .map((unit_id) => ({ unit_id, role: 'information' })),
  ];
}

export function DirectionFields(props: {
  form: DirectionForm;
  onChange: (next: DirectionForm) => void;
  units: DirectoryUnit[];
  /** Shown beside the deadline: the working-day calendar. */
  calendar?: ReactNode;
}) {
  const { form, onChange, units } = props;
  const toggle = (list: 'coordinating' | 'information', unitId: string) =>
    onChange({ ...form, [list]: form[list].includes(unitId) ? form[list].filter((u) => u !== unitId) : [...form[list], unitId] });
  return (
    <>
      <div className="field">
        <label htmlFor="y-kien">Nội dung chỉ đạo</label>
        <textarea id="y-kien" rows={4} value={form.text} onChange={(e) => onChange({ ...form, text: e.target.value })} />
      </div>
      <div className="field">
        <label htmlFor="chu-tri">Đơn vị chủ trì</label>
        <select id="chu-tri" value={form.lead} onChange={(e) => onChange({ ...form, lead: e.target.value })}>
          <option value="">— Chọn đơn vị —</option>
          {units.map((u) => (
            <option key={u.unit_id} value={u.unit_id}>{u.name}</option>
          ))}
        </select>
      </div>
      <fieldset className="field">
        <legend>Đơn vị phối hợp</legend>
        {units.filter((u) => u.unit_id !== form.lead).map((u) => (
          <label key={u.unit_id} className="check">
            <input type="checkbox" value={u.unit_id} checked={form.coordinating.includes(u.unit_id)} onChange={() => toggle('coordinating', u.unit_id)} />
            {u.name}
          </label>
        ))}
      </fieldset>
      <fieldset className="field">
        <legend>Đơn vị để biết</legend>
        {units.filter((u) => u.unit_id !== form.lead && !form.coordinating.includes(u.unit_id)).map((u) => (
          <label key={u.unit_id} className="check">
            <input type="checkbox" value={u.unit_id} checked={form.information.includes(u.unit_id)} onChange={() => toggle('information', u.unit_id)} />
            {u.name}
          </label>
        ))}
      </fieldset>
      <div className="field">
        <label htmlFor="han">Hạn xử lý</label>
        <input id="han" type="date" min={vietnamToday()} value={form.due} onChange={(e) => onChange({ ...form, due: e.target.value })} />
      </div>
      {props.calendar}
    </>
  );
}
