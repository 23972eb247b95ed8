// The administrator's screens (/quan-tri/...): the agency's units and people with their roles,
// the leaders' delegations to their secretaries, the routing rules and the directory's CSV import.
// Everything is routing's directory API; the administrator reads no documents (ADR 0008).
import { useCallback, useEffect, useState } from 'react';
import type { FormEvent, ReactNode } from 'react';
import { NavLink } from 'react-router';
import { api, ApiError } from '../api/client';
import type { Delegation, DirectoryUnit, DirectoryUser, ImportRefusal, RoutingRules, RowError } from '../api/types';
import { formatDate } from '../dates';
import { sayError } from '../errors';
import { DOCUMENT_TYPES, ROLES, vietnamese } from '../labels';

export const ADMIN_SCREENS: [string, string][] = [
  ['/quan-tri/don-vi', 'Đơn vị'],
  ['/quan-tri/nguoi-dung', 'Người dùng'],
  ['/quan-tri/uy-quyen', 'Ủy quyền'],
  ['/quan-tri/quy-tac', 'Quy tắc phân phối'],
  ['/quan-tri/nhap-danh-ba', 'Nhập danh bạ (CSV)'],
];

type Problems = Record<string, string>;

/** A refusal as messages by field (`full_name`, `unit_id`, ...; '' for the rest). */
function problemsByField(error: unknown): Problems {
  if (error instanceof ApiError && error.problems.length) {
    const out: Problems = {};
    for (const p of error.problems) {
      const field = p.field.replace(/^(path|query)\./, '');
      out[field] = out[field] ? `${out[field]} ${vietnamese(p.message)}` : vietnamese(p.message);
    }
    return out;
  }
  return { '': sayError(error) };
}

function useDirectory() {
  const [users, setUsers] = useState<DirectoryUser[] | null>(null);
  const [units, setUnits] = useState<DirectoryUnit[] | null>(null);
  const [error, setError] = useState('');
  const reload = useCallback(async () => {
    try {
      const [u, d] = await Promise.all([
        api<DirectoryUser[]>('routing', '/directory/users'),
        api<DirectoryUnit[]>('routing', '/directory/units'),
      ]);
      setUsers(u);
      setUnits(d);
      setError('');
    } catch (e) {
      setError(sayError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);
  return { users, units, error, reload };
}

function AdminPage({ id, title, children }: { id: string; title: string; children: ReactNode }) {
  return (
    <section aria-labelledby={id}>
      <nav aria-label="Quản trị" className="admin-nav">
        {ADMIN_SCREENS.map(([to, name]) => (
          <NavLink key={to} to={to}>
            {name}
          </NavLink>
        ))}
      </nav>
      <h1 id={id}>{title}</h1>
      {children}
    </section>
  );
}

function Field({ id, label: text, problem, children, hint }: { id: string; label: string; problem?: string; hint?: string; children: ReactNode }) {
  return (
    <div className={`field${problem ? ' invalid' : ''}`}>
      <label htmlFor={id}>{text}</label>
      {hint && (
        <span className="muted" id={`${id}-goi-y`}>
          {hint}
        </span>
      )}
      {children}
      {problem && (
        <p className="field-error" id={`${id}-loi`}>
          {problem}
        </p>
      )}
    </div>
  );
}

/** One column of a listing: its heading and what each item shows in it. */
export interface Column<T> {
  header: string;
  cell: (item: T) => ReactNode;
}

/** What a screen says above its list: a failed read, what was done, a refusal of no field. */
interface Said {
  error?: string;
  said?: string;
  problem?: string;
}

/** An administrator's screen: what it says, the list of what exists (with each item's actions)
 * and the forms that change it. Units, people, delegations and routing rules are all this. */
function ListAndForms<T>({
  id,
  title,
  intro,
  caption,
  columns,
  items,
  keyOf,
  rowClass,
  actions,
  empty,
  said,
  children,
}: {
  id: string;
  title: string;
  intro?: ReactNode;
  caption: string;
  columns: Column<T>[];
  items: T[] | null;
  keyOf: (item: T) => string;
  rowClass?: (item: T) => string | undefined;
  actions?: (item: T) => ReactNode;
  empty: string;
  said: Said;
  children?: ReactNode;
}) {
  return (
    <AdminPage id={id} title={title}>
      {intro}
      {said.error && <p className="error" role="alert">{said.error}</p>}
      {said.said && <p className="success-line" role="status">{said.said}</p>}
      {said.problem && <p className="error" role="alert">{said.problem}</p>}
      <div className="table-wrap">
        <table>
          <caption className="visually-hidden">{caption}</caption>
          <thead>
            <tr>
              {columns.map((c) => (
                <th scope="col" key={c.header}>{c.header}</th>
              ))}
              {actions && (
                <th scope="col">
                  <span className="visually-hidden">Thao tác</span>
                </th>
              )}
            </tr>
          </thead>
          <tbody>
            {(items ?? []).map((item) => (
              <tr key={keyOf(item)} className={rowClass?.(item)}>
                {columns.map((c) => (
                  <td key={c.header}>{c.cell(item)}</td>
                ))}
                {actions && <td className="actions">{actions(item)}</td>}
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {items && !items.length && <p>{empty}</p>}
      {children}
    </AdminPage>
  );
}

const described = (id: string, problem?: string) => (problem ? { 'aria-invalid': true as const, 'aria-describedby': `${id}-loi` } : {});

export function AdminHome() {
  return (
    <AdminPage id="quan-tri" title="Quản trị hệ thống">
      <p>Quản trị viên quản lý danh bạ, ủy quyền và quy tắc phân phối của cơ quan; quản trị viên không xem danh sách văn bản.</p>
      <ul>
        {ADMIN_SCREENS.map(([to, name]) => (
          <li key={to}>
            <NavLink to={to}>{name}</NavLink>
          </li>
        ))}
      </ul>
    </AdminPage>
  );
}

// Units ------------------------------------------------------------------------------------------

export function AdminUnits() {
  const { units, error, reload } = useDirectory();
  const [unitId, setUnitId] = useState('');
  const [name, setName] = useState('');
  const [parent, setParent] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [said, setSaid] = useState('');
  const [renaming, setRenaming] = useState<DirectoryUnit | null>(null);
  const [newName, setNewName] = useState('');

  async function save(unit: { unit_id: string; name: string; parent_unit_id: string | null; active: boolean }) {
    setProblems({});
    setSaid('');
    if (!unit.unit_id.trim()) {
      setProblems({ unit_id: 'Bắt buộc nhập.' });
      return false;
    }
    try {
      await api('routing', `/directory/units/${encodeURIComponent(unit.unit_id.trim())}`, {
        method: 'PUT',
        body: JSON.stringify({ name: unit.name, parent_unit_id: unit.parent_unit_id, active: unit.active }),
      });
      await reload();
      return true;
    } catch (e) {
      setProblems(problemsByField(e));
      return false;
    }
  }

  async function create(event: FormEvent) {
    event.preventDefault();
    if (await save({ unit_id: unitId, name, parent_unit_id: parent || null, active: true })) {
      setSaid(`Đã tạo đơn vị ${name}.`);
      setUnitId('');
      setName('');
      setParent('');
    }
  }

  async function rename(event: FormEvent) {
    event.preventDefault();
    if (!renaming) return;
    if (await save({ ...renaming, name: newName })) {
      setSaid(`Đã đổi tên đơn vị thành ${newName}.`);
      setRenaming(null);
    }
  }

  const nameOf = (id: string | null) => units?.find((u) => u.unit_id === id)?.name ?? id ?? '';
  const columns: Column<DirectoryUnit>[] = [
    { header: 'Mã đơn vị', cell: (u) => u.unit_id },
    { header: 'Tên đơn vị', cell: (u) => u.name },
    { header: 'Đơn vị cấp trên', cell: (u) => nameOf(u.parent_unit_id) },
    { header: 'Trạng thái', cell: (u) => (u.active ? 'Đang hoạt động' : 'Ngừng hoạt động') },
  ];
  return (
    <ListAndForms
      id="don-vi"
      title="Đơn vị"
      caption="Các đơn vị của cơ quan"
      columns={columns}
      items={units}
      keyOf={(u) => u.unit_id}
      actions={(unit) => (
        <button type="button" className="link" aria-label={`Đổi tên ${unit.name}`} onClick={() => { setRenaming(unit); setNewName(unit.name); }}>
          Đổi tên
        </button>
      )}
      empty="Cơ quan chưa có đơn vị nào."
      said={{ error, said, problem: problems[''] }}
    >
      {renaming && (
        <form className="card" aria-label="Đổi tên đơn vị" onSubmit={(e) => void rename(e)} noValidate>
          <h2>Đổi tên đơn vị {renaming.unit_id}</h2>
          <Field id="ten-moi" label="Tên mới" problem={problems.name}>
            <input id="ten-moi" value={newName} onChange={(e) => setNewName(e.target.value)} {...described('ten-moi', problems.name)} />
          </Field>
          <div className="actions">
            <button type="submit" className="primary">Lưu tên mới</button>
            <button type="button" className="secondary" onClick={() => setRenaming(null)}>Hủy</button>
          </div>
        </form>
      )}
      <form className="card" aria-label="Tạo đơn vị" onSubmit={(e) => void create(e)} noValidate>
        <h2>Tạo đơn vị</h2>
        <div className="grid">
          <Field id="ma-don-vi" label="Mã đơn vị" hint="Chữ không dấu, số, dấu . _ : -" problem={problems.unit_id}>
            <input id="ma-don-vi" value={unitId} onChange={(e) => setUnitId(e.target.value)} {...described('ma-don-vi', problems.unit_id)} />
          </Field>
          <Field id="ten-don-vi" label="Tên đơn vị" problem={renaming ? undefined : problems.name}>
            <input id="ten-don-vi" value={name} onChange={(e) => setName(e.target.value)} {...described('ten-don-vi', renaming ? undefined : problems.name)} />
          </Field>
          <Field id="don-vi-cap-tren" label="Đơn vị cấp trên" problem={problems.parent_unit_id}>
            <select id="don-vi-cap-tren" value={parent} onChange={(e) => setParent(e.target.value)}>
              <option value="">(không có)</option>
              {(units ?? []).map((u) => (
                <option key={u.unit_id} value={u.unit_id}>{u.name}</option>
              ))}
            </select>
          </Field>
        </div>
        <button type="submit" className="primary">Tạo đơn vị</button>
      </form>
    </ListAndForms>
  );
}

// Users ------------------------------------------------------------------------------------------

const ALL_ROLES = Object.keys(ROLES);

interface UserForm {
  user_id: string;
  full_name: string;
  position: string;
  email: string;
  unit_id: string;
  roles: string[];
  active: boolean;
}

const EMPTY_USER: UserForm = { user_id: '', full_name: '', position: '', email: '', unit_id: '', roles: [], active: true };

function userBody(form: UserForm) {
  return {
    full_name: form.full_name,
    position: form.position.trim() || null,
    email: form.email.trim() || null,
    unit_id: form.unit_id || null,
    roles: form.roles,
    active: form.active,
  };
}

export function AdminUsers() {
  const { users, units, error, reload } = useDirectory();
  const [form, setForm] = useState<UserForm>(EMPTY_USER);
  const [editing, setEditing] = useState(false);
  const [problems, setProblems] = useState<Problems>({});
  const [said, setSaid] = useState('');

  const set = (patch: Partial<UserForm>) => setForm((f) => ({ ...f, ...patch }));
  const unitName = (id: string | null) => units?.find((u) => u.unit_id === id)?.name ?? id ?? '';

  async function put(user: UserForm): Promise<boolean> {
    setProblems({});
    setSaid('');
    if (!user.user_id.trim()) {
      setProblems({ user_id: 'Bắt buộc nhập.' });
      return false;
    }
    try {
      await api('routing', `/directory/users/${encodeURIComponent(user.user_id.trim())}`, { method: 'PUT', body: JSON.stringify(userBody(user)) });
      await reload();
      return true;
    } catch (e) {
      setProblems(problemsByField(e));
      return false;
    }
  }

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (await put(form)) {
      setSaid(editing ? `Đã lưu ${form.full_name}.` : `Đã tạo người dùng ${form.full_name}.`);
      setForm(EMPTY_USER);
      setEditing(false);
    }
  }

  function edit(user: DirectoryUser) {
    setEditing(true);
    setProblems({});
    setSaid('');
    setForm({
      user_id: user.user_id,
      full_name: user.full_name,
      position: user.position ?? '',
      email: user.email ?? '',
      unit_id: user.unit_id ?? '',
      roles: [...user.roles],
      active: user.active,
    });
  }

  async function setActive(user: DirectoryUser, active: boolean) {
    const asForm = { user_id: user.user_id, full_name: user.full_name, position: user.position ?? '', email: user.email ?? '', unit_id: user.unit_id ?? '', roles: [...user.roles], active };
    if (await put(asForm)) setSaid(active ? `Đã kích hoạt lại ${user.full_name}.` : `Đã ngừng hoạt động ${user.full_name}.`);
  }

  const columns: Column<DirectoryUser>[] = [
    { header: 'Họ và tên', cell: (u) => u.full_name },
    { header: 'Tên đăng nhập', cell: (u) => u.user_id },
    { header: 'Chức vụ', cell: (u) => u.position },
    { header: 'Đơn vị', cell: (u) => unitName(u.unit_id) },
    { header: 'Vai trò', cell: (u) => u.roles.map((r) => ROLES[r] ?? r).join(', ') },
    { header: 'Trạng thái', cell: (u) => (u.active ? 'Đang hoạt động' : 'Ngừng hoạt động') },
  ];
  return (
    <ListAndForms
      id="nguoi-dung"
      title="Người dùng"
      caption="Người dùng của cơ quan"
      columns={columns}
      items={users}
      keyOf={(u) => u.user_id}
      rowClass={(u) => (u.active ? undefined : 'inactive')}
      actions={(user) => (
        <>
          <button type="button" className="link" aria-label={`Sửa ${user.full_name}`} onClick={() => edit(user)}>
            Sửa
          </button>
          <button type="button" className="link" aria-label={`${user.active ? 'Ngừng hoạt động' : 'Kích hoạt lại'} ${user.full_name}`} onClick={() => void setActive(user, !user.active)}>
            {user.active ? 'Ngừng hoạt động' : 'Kích hoạt lại'}
          </button>
        </>
      )}
      empty="Cơ quan chưa có người dùng nào."
      said={{ error, said, problem: problems[''] }}
    >
      <form className="card" aria-label={editing ? 'Sửa người dùng' : 'Tạo người dùng'} onSubmit={(e) => void submit(e)} noValidate>
        <h2>{editing ? `Sửa người dùng ${form.user_id}` : 'Tạo người dùng'}</h2>
        <div className="grid">
          <Field id="ten-dang-nhap" label="Tên đăng nhập" hint="Chữ không dấu, số, dấu . _ : -" problem={problems.user_id}>
            <input id="ten-dang-nhap" value={form.user_id} disabled={editing} onChange={(e) => set({ user_id: e.target.value })} {...described('ten-dang-nhap', problems.user_id)} />
          </Field>
          <Field id="ho-ten" label="Họ và tên" problem={problems.full_name}>
            <input id="ho-ten" value={form.full_name} onChange={(e) => set({ full_name: e.target.value })} {...described('ho-ten', problems.full_name)} />
          </Field>
          <Field id="chuc-vu" label="Chức vụ" problem={problems.position}>
            <input id="chuc-vu" value={form.position} onChange={(e) => set({ position: e.target.value })} {...described('chuc-vu', problems.position)} />
          </Field>
          <Field id="thu-dien-tu" label="Thư điện tử" problem={problems.email}>
            <input id="thu-dien-tu" type="email" value={form.email} onChange={(e) => set({ email: e.target.value })} {...described('thu-dien-tu', problems.email)} />
          </Field>
          <Field id="don-vi-nguoi-dung" label="Đơn vị" problem={problems.unit_id}>
            <select id="don-vi-nguoi-dung" value={form.unit_id} onChange={(e) => set({ unit_id: e.target.value })} {...described('don-vi-nguoi-dung', problems.unit_id)}>
              <option value="">(không thuộc đơn vị)</option>
              {(units ?? []).map((u) => (
                <option key={u.unit_id} value={u.unit_id}>{u.name}</option>
              ))}
            </select>
          </Field>
        </div>
        <fieldset className={`field${problems.roles ? ' invalid' : ''}`}>
          <legend>Vai trò</legend>
          {ALL_ROLES.map((role) => (
            <label key={role} className="check">
              <input
                type="checkbox"
                checked={form.roles.includes(role)}
                onChange={(e) => set({ roles: e.target.checked ? [...form.roles, role] : form.roles.filter((r) => r !== role) })}
              />
              {ROLES[role]}
            </label>
          ))}
          {problems.roles && <p className="field-error">{problems.roles}</p>}
        </fieldset>
        <label className="check">
          <input type="checkbox" checked={form.active} onChange={(e) => set({ active: e.target.checked })} />
          Đang hoạt động
        </label>
        <div className="actions">
          <button type="submit" className="primary">{editing ? 'Lưu người dùng' : 'Tạo người dùng'}</button>
          {editing && (
            <button type="button" className="secondary" onClick={() => { setEditing(false); setForm(EMPTY_USER); setProblems({}); }}>
              Hủy
            </button>
          )}
        </div>
      </form>
    </ListAndForms>
  );
}

// Delegations ------------------------------------------------------------------------------------

/** A day in Vietnam as the instant it starts (00:00, +07:00), as the secretary's slip dates are. */
const startOfDay = (day: string) => `${day}T00:00:00+07:00`;

/** Where a delegation stands now: revoked, expired, not started yet, or valid. */
export function delegationState(d: Delegation, now: Date = new Date()): string {
  if (d.revoked_at) return `Đã thu hồi ngày ${formatDate(d.revoked_at)}`;
  if (d.valid_until && new Date(d.valid_until) <= now) return `Đã hết hạn ngày ${formatDate(d.valid_until)}`;
  if (new Date(d.valid_from) > now) return `Hiệu lực từ ngày ${formatDate(d.valid_from)}`;
  return 'Đang hiệu lực';
}

export function AdminDelegations() {
  const { users, error } = useDirectory();
  const [delegations, setDelegations] = useState<Delegation[] | null>(null);
  const [listError, setListError] = useState('');
  const [leader, setLeader] = useState('');
  const [secretary, setSecretary] = useState('');
  const [from, setFrom] = useState('');
  const [until, setUntil] = useState('');
  const [problems, setProblems] = useState<Problems>({});
  const [said, setSaid] = useState('');

  const reload = useCallback(async () => {
    try {
      setDelegations(await api<Delegation[]>('routing', '/directory/delegations'));
      setListError('');
    } catch (e) {
      setListError(sayError(e));
    }
  }, []);
  useEffect(() => void reload(), [reload]);

  const nameOf = (id: string) => users?.find((u) => u.user_id === id)?.full_name ?? id;
  const leaders = (users ?? []).filter((u) => u.active && u.roles.includes('leader'));
  const secretaries = (users ?? []).filter((u) => u.active && u.roles.includes('secretary'));

  async function grant(event: FormEvent) {
    event.preventDefault();
    setSaid('');
    const missing: Problems = {};
    if (!leader) missing.leader_user_id = 'Chọn lãnh đạo.';
    if (!secretary) missing.secretary_user_id = 'Chọn thư ký.';
    if (!from) missing.valid_from = 'Bắt buộc nhập.';
    setProblems(missing);
    if (Object.keys(missing).length) return;
    try {
      const delegation = await api<Delegation>('routing', '/directory/delegations', {
        method: 'POST',
        body: JSON.stringify({ leader_user_id: leader, secretary_user_id: secretary, valid_from: startOfDay(from), valid_until: until ? startOfDay(until) : null }),
      });
      await reload();
      setSaid(`Đã ủy quyền: ${nameOf(leader)} → ${nameOf(secretary)} (mã ${delegation.delegation_id}).`);
    } catch (e) {
      setProblems(problemsByField(e));
    }
  }

  async function revoke(d: Delegation) {
    setSaid('');
    setProblems({});
    try {
      await api<Delegation>('routing', `/directory/delegations/${encodeURIComponent(d.delegation_id)}/revocation`, { method: 'POST' });
      await reload();
      setSaid(`Đã thu hồi ủy quyền ${d.delegation_id}.`);
    } catch (e) {
      setProblems(problemsByField(e));
    }
  }

  const columns: Column<Delegation>[] = [
    { header: 'Mã', cell: (d) => d.delegation_id },
    { header: 'Lãnh đạo', cell: (d) => nameOf(d.leader_user_id) },
    { header: 'Thư ký', cell: (d) => nameOf(d.secretary_user_id) },
    { header: 'Hiệu lực', cell: (d) => `${formatDate(d.valid_from)}${d.valid_until ? ` – ${formatDate(d.valid_until)}` : ' – không thời hạn'}` },
    { header: 'Trạng thái', cell: (d) => delegationState(d) },
  ];
  const problem = [problems[''], problems.delegation_id].filter(Boolean).join(' ');
  return (
    <ListAndForms
      id="uy-quyen"
      title="Ủy quyền cho thư ký"
      intro={<p>Thư ký được ủy quyền nhập thay ý kiến giải quyết trên giấy của lãnh đạo trong thời hạn ủy quyền.</p>}
      caption="Các ủy quyền của cơ quan"
      columns={columns}
      items={delegations}
      keyOf={(d) => d.delegation_id}
      rowClass={(d) => (d.revoked_at ? 'inactive' : undefined)}
      actions={(d) =>
        !d.revoked_at && (
          <button type="button" className="link" aria-label={`Thu hồi ${d.delegation_id}`} onClick={() => void revoke(d)}>
            Thu hồi
          </button>
        )
      }
      empty="Cơ quan chưa có ủy quyền nào."
      said={{ error: error || listError, said, problem }}
    >
      <form className="card" aria-label="Cấp ủy quyền" onSubmit={(e) => void grant(e)} noValidate>
        <h2>Cấp ủy quyền</h2>
        <div className="grid">
          <Field id="lanh-dao" label="Lãnh đạo" problem={problems.leader_user_id}>
            <select id="lanh-dao" value={leader} onChange={(e) => setLeader(e.target.value)} {...described('lanh-dao', problems.leader_user_id)}>
              <option value="">(chọn)</option>
              {leaders.map((u) => (
                <option key={u.user_id} value={u.user_id}>{u.full_name}{u.position ? ` · ${u.position}` : ''}</option>
              ))}
            </select>
          </Field>
          <Field id="thu-ky" label="Thư ký" problem={problems.secretary_user_id}>
            <select id="thu-ky" value={secretary} onChange={(e) => setSecretary(e.target.value)} {...described('thu-ky', problems.secretary_user_id)}>
              <option value="">(chọn)</option>
              {secretaries.map((u) => (
                <option key={u.user_id} value={u.user_id}>{u.full_name}{u.position ? ` · ${u.position}` : ''}</option>
              ))}
            </select>
          </Field>
          <Field id="hieu-luc-tu" label="Hiệu lực từ ngày" problem={problems.valid_from}>
            <input id="hieu-luc-tu" type="date" value={from} onChange={(e) => setFrom(e.target.value)} {...described('hieu-luc-tu', problems.valid_from)} />
          </Field>
          <Field id="hieu-luc-den" label="Đến ngày (để trống nếu không thời hạn)" problem={problems.valid_until}>
            <input id="hieu-luc-den" type="date" value={until} onChange={(e) => setUntil(e.target.value)} {...described('hieu-luc-den', problems.valid_until)} />
          </Field>
        </div>
        <button type="submit" className="primary">Cấp ủy quyền</button>
      </form>
    </ListAndForms>
  );
}

// Routing rules ----------------------------------------------------------------------------------

interface RuleForm {
  rule_id: string;
  priority: string;
  leader_user_id: string;
  lead_unit_id: string;
  document_type_codes: string[];
  issuer_agency_codes: string;
  subject_keywords: string;
}

const list = (text: string) => text.split(/[,;\n]/).map((s) => s.trim()).filter(Boolean);

type Rule = RoutingRules['rules'][number];

/** A line of the rules' list: the default route last, as it applies when no rule matches. */
interface RuleLine {
  key: string;
  rule: Rule | null;
  route: NonNullable<RoutingRules['default']>;
}

const typeName = (code: string) => DOCUMENT_TYPES.find(([c]) => c === code)?.[1] ?? code;

/** What a rule looks at, in words: "Loại: ...; Cơ quan ban hành: ...; Từ khóa: ...". */
export function ruleConditions(rule: Rule | null): string {
  if (!rule) return 'Văn bản không khớp quy tắc nào';
  const parts = [];
  if (rule.document_type_codes.length) parts.push(`Loại: ${rule.document_type_codes.map(typeName).join(', ')}`);
  if (rule.issuer_agency_codes.length) parts.push(`Cơ quan ban hành: ${rule.issuer_agency_codes.join(', ')}`);
  if (rule.subject_keywords.length) parts.push(`Từ khóa: ${rule.subject_keywords.join(', ')}`);
  return parts.join('; ');
}

const asForm = (rule: Rule): RuleForm => ({
  rule_id: rule.rule_id,
  priority: String(rule.priority),
  leader_user_id: rule.route.leader_user_id,
  lead_unit_id: rule.route.lead_unit_id,
  document_type_codes: [...rule.document_type_codes],
  issuer_agency_codes: rule.issuer_agency_codes.join(', '),
  subject_keywords: rule.subject_keywords.join(', '),
});

export function AdminRules() {
  const { users, units, error } = useDirectory();
  const [leader, setLeader] = useState('');
  const [leadUnit, setLeadUnit] = useState('');
  const [rules, setRules] = useState<RuleForm[]>([]);
  const [problems, setProblems] = useState<Problems>({});
  const [said, setSaid] = useState('');
  const [current, setCurrent] = useState<RoutingRules | null>(null);
  const [readError, setReadError] = useState('');

  /** The saved rules, listed and put in the form, so that saving changes what is there. */
  const show = useCallback((saved: RoutingRules) => {
    setCurrent(saved);
    setLeader(saved.default?.leader_user_id ?? '');
    setLeadUnit(saved.default?.lead_unit_id ?? '');
    setRules(saved.rules.map(asForm));
  }, []);
  useEffect(() => {
    api<RoutingRules>('routing', '/directory/routing-rules')
      .then(show)
      .catch((e: unknown) => setReadError(sayError(e)));
  }, [show]);
  const lines: RuleLine[] | null = current && [
    ...current.rules.map((rule) => ({ key: `quy-tac-${rule.rule_id}`, rule, route: rule.route })),
    ...(current.default ? [{ key: 'mac-dinh', rule: null, route: current.default }] : []),
  ];
  const userName = (id: string) => users?.find((u) => u.user_id === id)?.full_name ?? id;
  const unitName = (id: string) => units?.find((u) => u.unit_id === id)?.name ?? id;
  const columns: Column<RuleLine>[] = [
    { header: 'Quy tắc', cell: (l) => (l.rule ? `${l.rule.rule_id} (ưu tiên ${l.rule.priority})` : 'Mặc định') },
    { header: 'Điều kiện', cell: (l) => ruleConditions(l.rule) },
    { header: 'Trình lãnh đạo', cell: (l) => userName(l.route.leader_user_id) },
    { header: 'Đơn vị chủ trì đề xuất', cell: (l) => unitName(l.route.lead_unit_id) },
  ];

  const leaders = (users ?? []).filter((u) => u.active && u.roles.includes('leader'));
  const activeUnits = (units ?? []).filter((u) => u.active);
  const change = (i: number, patch: Partial<RuleForm>) => setRules((rs) => rs.map((r, j) => (j === i ? { ...r, ...patch } : r)));

  async function save(event: FormEvent) {
    event.preventDefault();
    setSaid('');
    const missing: Problems = {};
    if (!leader) missing['default.leader_user_id'] = 'Chọn lãnh đạo.';
    if (!leadUnit) missing['default.lead_unit_id'] = 'Chọn đơn vị chủ trì.';
    rules.forEach((r, i) => {
      if (!r.rule_id.trim()) missing[`rules.${i}.rule_id`] = 'Bắt buộc nhập.';
      if (!r.leader_user_id) missing[`rules.${i}.route.leader_user_id`] = 'Chọn lãnh đạo.';
      if (!r.lead_unit_id) missing[`rules.${i}.route.lead_unit_id`] = 'Chọn đơn vị chủ trì.';
    });
    setProblems(missing);
    if (Object.keys(missing).length) return;
    try {
      const answer = await api<RoutingRules & { waiting_documents_routed: number }>('routing', '/directory/routing-rules', {
        method: 'PUT',
        body: JSON.stringify({
          default: { leader_user_id: leader, lead_unit_id: leadUnit },
          rules: rules.map((r) => ({
            rule_id: r.rule_id.trim(),
            priority: Number(r.priority || 0),
            route: { leader_user_id: r.leader_user_id, lead_unit_id: r.lead_unit_id },
            document_type_codes: r.document_type_codes,
            issuer_agency_codes: list(r.issuer_agency_codes),
            subject_keywords: list(r.subject_keywords),
          })),
        }),
      });
      const routed = answer.waiting_documents_routed;
      show(answer);
      setSaid(`Đã lưu quy tắc phân phối.${routed ? ` ${routed} văn bản đang chờ quy tắc đã được trình lãnh đạo.` : ''}`);
    } catch (e) {
      setProblems(problemsByField(e));
    }
  }

  const leaderSelect = (id: string, value: string, onChange: (v: string) => void, problem?: string) => (
    <Field id={id} label="Trình lãnh đạo" problem={problem}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...described(id, problem)}>
        <option value="">(chọn)</option>
        {leaders.map((u) => (
          <option key={u.user_id} value={u.user_id}>{u.full_name}{u.position ? ` · ${u.position}` : ''}</option>
        ))}
      </select>
    </Field>
  );
  const unitSelect = (id: string, value: string, onChange: (v: string) => void, problem?: string) => (
    <Field id={id} label="Đơn vị chủ trì đề xuất" problem={problem}>
      <select id={id} value={value} onChange={(e) => onChange(e.target.value)} {...described(id, problem)}>
        <option value="">(chọn)</option>
        {activeUnits.map((u) => (
          <option key={u.unit_id} value={u.unit_id}>{u.name}</option>
        ))}
      </select>
    </Field>
  );

  return (
    <ListAndForms
      id="quy-tac"
      title="Quy tắc phân phối văn bản đến"
      intro={
        <p className="notice">
          Quy tắc có số ưu tiên nhỏ hơn được xét trước; văn bản không khớp quy tắc nào đi theo mặc định. Lưu sẽ thay toàn bộ quy tắc hiện có của cơ quan bằng quy tắc trong biểu mẫu dưới đây.
        </p>
      }
      caption="Quy tắc phân phối hiện hành"
      columns={columns}
      items={lines}
      keyOf={(l) => l.key}
      empty="Cơ quan chưa có quy tắc phân phối: văn bản đến chờ quy tắc."
      said={{ error: error || readError, said, problem: problems[''] }}
    >
      <h2>Sửa quy tắc phân phối</h2>
      <form aria-label="Quy tắc phân phối" onSubmit={(e) => void save(e)} noValidate>
        <fieldset>
          <legend>Mặc định</legend>
          <div className="grid">
            {leaderSelect('mac-dinh-lanh-dao', leader, setLeader, problems['default.leader_user_id'])}
            {unitSelect('mac-dinh-don-vi', leadUnit, setLeadUnit, problems['default.lead_unit_id'])}
          </div>
        </fieldset>
        {rules.map((rule, i) => {
          const p = (field: string) => problems[`rules.${i}.${field}`];
          return (
            <fieldset key={i}>
              <legend>Quy tắc {i + 1}</legend>
              <div className="grid">
                <Field id={`quy-tac-${i}-ma`} label="Mã quy tắc" problem={p('rule_id')}>
                  <input id={`quy-tac-${i}-ma`} value={rule.rule_id} onChange={(e) => change(i, { rule_id: e.target.value })} {...described(`quy-tac-${i}-ma`, p('rule_id'))} />
                </Field>
                <Field id={`quy-tac-${i}-uu-tien`} label="Ưu tiên" problem={p('priority')}>
                  <input id={`quy-tac-${i}-uu-tien`} type="number" min={0} value={rule.priority} onChange={(e) => change(i, { priority: e.target.value })} {...described(`quy-tac-${i}-uu-tien`, p('priority'))} />
                </Field>
                {leaderSelect(`quy-tac-${i}-lanh-dao`, rule.leader_user_id, (v) => change(i, { leader_user_id: v }), p('route.leader_user_id'))}
                {unitSelect(`quy-tac-${i}-don-vi`, rule.lead_unit_id, (v) => change(i, { lead_unit_id: v }), p('route.lead_unit_id'))}
                <Field id={`quy-tac-${i}-loai`} label="Loại văn bản" problem={p('document_type_codes')}>
                  <select
                    id={`quy-tac-${i}-loai`}
                    multiple
                    size={4}
                    value={rule.document_type_codes}
                    onChange={(e) => change(i, { document_type_codes: Array.from(e.target.selectedOptions, (o) => o.value) })}
                  >
                    {DOCUMENT_TYPES.map(([code, name]) => (
                      <option key={code} value={code}>{name}</option>
                    ))}
                  </select>
                </Field>
                <Field id={`quy-tac-${i}-noi-gui`} label="Mã cơ quan ban hành (cách nhau bởi dấu phẩy)" problem={p('issuer_agency_codes')}>
                  <input id={`quy-tac-${i}-noi-gui`} value={rule.issuer_agency_codes} onChange={(e) => change(i, { issuer_agency_codes: e.target.value })} />
                </Field>
                <Field id={`quy-tac-${i}-tu-khoa`} label="Từ khóa trong trích yếu (cách nhau bởi dấu phẩy)" problem={p('subject_keywords')}>
                  <input id={`quy-tac-${i}-tu-khoa`} value={rule.subject_keywords} onChange={(e) => change(i, { subject_keywords: e.target.value })} />
                </Field>
              </div>
              <button type="button" className="secondary" onClick={() => setRules((rs) => rs.filter((_, j) => j !== i))}>
                Bỏ quy tắc {i + 1}
              </button>
            </fieldset>
          );
        })}
        <div className="actions">
          <button
            type="button"
            className="secondary"
            onClick={() => setRules((rs) => [...rs, { rule_id: '', priority: '10', leader_user_id: '', lead_unit_id: '', document_type_codes: [], issuer_agency_codes: '', subject_keywords: '' }])}
          >
            Thêm quy tắc
          </button>
          <button type="submit" className="primary">Lưu quy tắc phân phối</button>
        </div>
      </form>
    </ListAndForms>
  );
}

// CSV import -------------------------------------------------------------------------------------

export const CSV_COLUMNS = 'kind,id,name,parent_unit_id,unit_id,position,email,roles,active';

/** Rows of a CSV text (quoted fields, doubled quotes), the header first. */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  const body = text.replace(/^\ufeff/, '');
  for (let i = 0; i < body.length; i++) {
    const c = body[i];
    if (quoted) {
      if (c === '"' && body[i + 1] === '"') {
        field += '"';
        i++;
      } else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(field);
      field = '';
    } else if (c === '\n' || c === '\r') {
      if (c === '\r' && body[i + 1] === '\n') i++;
      row.push(field);
      rows.push(row);
      row = [];
      field = '';
    } else field += c;
  }
  if (field || row.length) {
    row.push(field);
    rows.push(row);
  }
  return rows.filter((r) => r.some((f) => f.trim()));
}

/** The refused rows of routing's answer to an import (every bad row with its column, said in
 * Vietnamese by routing), or null when the import was refused as a whole. */
export function importRefusal(error: unknown): ImportRefusal | null {
  if (!(error instanceof ApiError) || !error.body || typeof error.body !== 'object') return null;
  const detail = (error.body as { detail?: unknown }).detail;
  if (!detail || typeof detail !== 'object' || !Array.isArray((detail as ImportRefusal).rows)) return null;
  return detail as ImportRefusal;
}

/** One error of a row as the administrator reads it: "Cột roles: không có vai trò …". */
export function sayRowError(e: RowError): string {
  return e.field === 'header' ? `Dòng tiêu đề: ${e.message_vi}` : `Cột ${e.field}: ${e.message_vi}`;
}

export function AdminImport() {
  const [text, setText] = useState('');
  const [fileName, setFileName] = useState('');
  const [refusal, setRefusal] = useState<{ message: string; rows: RowError[] } | null>(null);
  const [said, setSaid] = useState('');
  const [busy, setBusy] = useState(false);
  const rows = text ? parseCsv(text) : [];

  async function choose(file: File | undefined) {
    setRefusal(null);
    setSaid('');
    if (!file) return;
    setFileName(file.name);
    setText(await file.text());
  }

  async function send(event: FormEvent) {
    event.preventDefault();
    setRefusal(null);
    setSaid('');
    if (!text.trim()) {
      setRefusal({ message: 'Chọn tệp CSV hoặc dán nội dung trước khi nhập.', rows: [] });
      return;
    }
    setBusy(true);
    try {
      const answer = await api<{ units: number; users: number }>('routing', '/directory/import', {
        method: 'POST',
        body: text,
        headers: { 'Content-Type': 'text/csv' },
      });
      setSaid(`Đã nhập ${answer.units} đơn vị và ${answer.users} người dùng.`);
    } catch (e) {
      const refused = importRefusal(e);
      setRefusal(refused ? { message: refused.message_vi, rows: refused.rows } : { message: sayError(e), rows: [] });
    } finally {
      setBusy(false);
    }
  }

  const errorsOf = (row: number) => (refusal?.rows ?? []).filter((e) => e.row === row);
  const header = rows[0] ?? [];
  return (
    <AdminPage id="nhap-danh-ba" title="Nhập danh bạ từ tệp CSV">
      <p>
        Mỗi dòng là một đơn vị hoặc một người dùng. Các cột: <code>{CSV_COLUMNS}</code> (vai trò cách nhau bởi dấu chấm phẩy). Tệp được kiểm tra toàn bộ
        trước khi ghi: nếu có dòng lỗi thì không có gì thay đổi, và mọi dòng lỗi được chỉ ra.
      </p>
      <form className="card" aria-label="Nhập danh bạ" onSubmit={(e) => void send(e)} noValidate>
        <div className="field">
          <label htmlFor="tep-csv">Tệp CSV</label>
          <input id="tep-csv" type="file" accept=".csv,text/csv" onChange={(e) => void choose(e.target.files?.[0])} />
          {fileName && <span className="muted">{fileName}</span>}
        </div>
        <div className="field">
          <label htmlFor="noi-dung-csv">Nội dung CSV</label>
          <textarea id="noi-dung-csv" rows={8} value={text} onChange={(e) => { setText(e.target.value); setRefusal(null); setSaid(''); }} />
        </div>
        <button type="submit" className="primary" disabled={busy}>{busy ? 'Đang nhập…' : 'Nhập danh bạ'}</button>
      </form>
      {said && <p className="success-line" role="status">{said}</p>}
      {refusal && (
        <div className="error" role="alert">
          <p>
            <strong>Không nhập được, danh bạ không thay đổi.</strong>
          </p>
          <p>{refusal.message}</p>
        </div>
      )}
      {refusal && refusal.rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Các lỗi của tệp</caption>
            <thead>
              <tr>
                <th scope="col">Dòng</th>
                <th scope="col">Cột</th>
                <th scope="col">Lỗi</th>
              </tr>
            </thead>
            <tbody>
              {refusal.rows.map((e, i) => (
                <tr key={i}>
                  <td>{e.row}</td>
                  <td>{e.field === 'header' ? 'Dòng tiêu đề' : e.field}</td>
                  <td>{e.message_vi}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {rows.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Các dòng của tệp</caption>
            <thead>
              <tr>
                <th scope="col">Dòng</th>
                {header.map((h, i) => (
                  <th scope="col" key={i}>{h}</th>
                ))}
                <th scope="col">Kiểm tra</th>
              </tr>
            </thead>
            <tbody>
              {rows.slice(1).map((row, i) => {
                const number = i + 2;
                const errors = errorsOf(number);
                return (
                  <tr key={number} className={errors.length ? 'row-error' : undefined}>
                    <td>{number}</td>
                    {header.map((_, j) => (
                      <td key={j}>{row[j] ?? ''}</td>
                    ))}
                    <td>{errors.length ? <span className="error">{errors.map(sayRowError).join(' ')}</span> : said ? 'Đã nhập' : ''}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
    </AdminPage>
  );
}
