// The services as the component tests see them: answers by "METHOD /api/<service>/path" (the
// query string left off), and every call kept in `calls` with its parsed body.
import { vi } from 'vitest';

export interface Call {
  method: string;
  path: string;
  url: string;
  body: unknown;
  form: FormData | null;
}

type Answer = unknown | ((call: Call) => unknown);

export class FakeApi {
  readonly calls: Call[] = [];
  private readonly answers = new Map<string, Answer>();

  on(route: string, answer: Answer, status = 200): this {
    this.answers.set(route, status === 200 ? answer : { __status: status, body: answer });
    return this;
  }

  install(): this {
    vi.stubGlobal('fetch', vi.fn(async (input: RequestInfo | URL, init: RequestInit = {}) => this.answer(String(input), init)));
    return this;
  }

  sent(route: string): Call[] {
    return this.calls.filter((c) => `${c.method} ${c.path}` === route);
  }

  private async answer(url: string, init: RequestInit): Promise<Response> {
    const method = (init.method ?? 'GET').toUpperCase();
    const path = url.split('?')[0];
    const form = init.body instanceof FormData ? init.body : null;
    const body = typeof init.body === 'string' ? parsed(init.body) : null;
    // The live stream (live.tsx) stays open and quiet: pages load once, as the tests expect.
    if (path === '/api/routing/live') return new Response(new ReadableStream(), { status: 200 });
    const call = { method, path, url, body, form };
    this.calls.push(call);
    let answer = this.answers.get(`${method} ${path}`);
    if (answer === undefined) return new Response(JSON.stringify({ detail: `no fake for ${method} ${path}` }), { status: 404 });
    if (typeof answer === 'function') answer = (answer as (c: Call) => unknown)(call);
    if (answer instanceof Response) return answer;
    if (answer && typeof answer === 'object' && '__status' in answer) {
      const failed = answer as { __status: number; body: unknown };
      return new Response(JSON.stringify(failed.body), { status: failed.__status });
    }
    return new Response(JSON.stringify(answer), { status: 200, headers: { 'Content-Type': 'application/json' } });
  }
}

/** A JSON body parsed; any other text (a CSV) as sent. */
function parsed(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}

export const PEOPLE = {
  clerk: { user_id: 'vanthu1', agency_code: '000.00.00.G22', full_name: 'Đặng Thị Lan', unit_id: 'van-phong', roles: ['clerk'] },
  leader: { user_id: 'lanhdao1', agency_code: '000.00.00.G22', full_name: 'Nguyễn Văn An', position: 'Giám đốc', roles: ['leader'] },
  secretary: { user_id: 'thuky1', agency_code: '000.00.00.G22', full_name: 'Trần Thị Bình', unit_id: 'van-phong', roles: ['secretary'] },
  unitHead: { user_id: 'truongphong1', agency_code: '000.00.00.G22', full_name: 'Lê Văn Cường', unit_id: 'phong-ke-hoach', roles: ['unit_head'] },
  specialist: { user_id: 'chuyenvien1', agency_code: '000.00.00.G22', full_name: 'Hoàng Văn Em', unit_id: 'phong-ke-hoach', roles: ['specialist'] },
  auditor: { user_id: 'kiemtra1', agency_code: '000.00.00.G22', full_name: 'Vũ Thị Hoa', unit_id: 'van-phong', roles: ['auditor'] },
};

export function signedInAs(person: (typeof PEOPLE)[keyof typeof PEOPLE]): void {
  sessionStorage.setItem('vanthu.session', JSON.stringify({ token: 't', person }));
  sessionStorage.setItem('vanthu.lastActivity', String(Date.now()));
}

export const LEADER_REF = { user_id: 'lanhdao1', full_name: 'Nguyễn Văn An', position: 'Giám đốc' };
export const SECRETARY_REF = { user_id: 'thuky1', full_name: 'Trần Thị Bình', position: 'Thư ký Giám đốc' };

export const DIRECTORY_USERS = [
  { agency_code: '000.00.00.G22', user_id: 'truongphong1', full_name: 'Lê Văn Cường', position: 'Trưởng phòng', unit_id: 'phong-ke-hoach', email: null, roles: ['unit_head'], active: true },
  { agency_code: '000.00.00.G22', user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em', position: 'Chuyên viên', unit_id: 'phong-ke-hoach', email: null, roles: ['specialist'], active: true },
  { agency_code: '000.00.00.G22', user_id: 'vanthu1', full_name: 'Đặng Thị Lan', position: 'Văn thư', unit_id: 'van-phong', email: null, roles: ['clerk'], active: true },
];

export const DIRECTORY_UNITS = [
  { agency_code: '000.00.00.G22', unit_id: 'phong-ke-hoach', name: 'Phòng Kế hoạch', parent_unit_id: null, active: true },
  { agency_code: '000.00.00.G22', unit_id: 'phong-tai-chinh', name: 'Phòng Tài chính', parent_unit_id: null, active: true },
];

/** A case directed by the leader, on paper through the secretary when `proxy`. */
export function directedCase(overrides: Record<string, unknown> = {}, proxy = false) {
  const decision = {
    decision_id: 'd1',
    kind: 'direction',
    text: 'Giao Phòng Kế hoạch chủ trì.',
    decided_by: LEADER_REF,
    recorded_by: proxy ? SECRETARY_REF : LEADER_REF,
    decided_at: '2026-11-20T02:00:00Z',
    recorded_at: '2026-11-20T03:00:00Z',
    on_behalf: proxy,
    evidence_file: proxy ? { file_id: 'f1', name: 'phieu-giai-quyet.pdf', media_type: 'application/pdf', size: 100, sha256: 'x' } : null,
  };
  return {
    case_id: 'c1',
    document_id: 'doc1',
    agency_code: '000.00.00.G22',
    leader: LEADER_REF,
    status: 'directed',
    opened_at: '2026-11-19T02:00:00Z',
    tasks: [
      {
        task_id: 't1', case_id: 'c1', assignee: { unit_id: 'phong-ke-hoach', user_id: null, name: 'Phòng Kế hoạch' }, role: 'lead', status: 'assigned',
        decision_id: 'd1', assigned_by: LEADER_REF, assigned_at: '2026-11-20T03:00:00Z', due_date: '2026-12-10', parent_task_id: null, instructions: null,
      },
    ],
    decisions: [decision],
    drafts: [],
    document: {
      subject: 'Về việc tổng kết công tác văn thư', urgency: 'urgent', confidentiality: 'normal', received_at: '2026-11-19T02:00:00Z',
      arrival_number: 7, document_type_code: 'official_letter', issuer_name: 'Bộ Nội vụ', issuer_agency_code: '000.00.00.G09', due_date: '2026-12-10',
    },
    ...overrides,
  };
}
