import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { MemoryRouter } from 'react-router';
import { App } from '../App';
import { SessionProvider } from '../session';
import { DIRECTORY_UNITS, DIRECTORY_USERS, FakeApi, signedInAs } from '../testing/fakeApi';
import { delegationState, parseCsv } from './Admin';

const ADMIN = { user_id: 'quantri1', agency_code: '000.00.00.G22', full_name: 'Phan Văn Khoa', unit_id: 'van-phong', roles: ['administrator'] };
const LEADER = { agency_code: '000.00.00.G22', user_id: 'lanhdao1', full_name: 'Nguyễn Văn An', position: 'Giám đốc', unit_id: null, email: null, roles: ['leader'], active: true };
const SECRETARY = { agency_code: '000.00.00.G22', user_id: 'thuky1', full_name: 'Trần Thị Bình', position: 'Thư ký', unit_id: 'van-phong', email: null, roles: ['secretary'], active: true };

function at(path: string) {
  return render(
    <SessionProvider>
      <MemoryRouter initialEntries={[path]}>
        <App />
      </MemoryRouter>
    </SessionProvider>,
  );
}

const settle = () => act(async () => {});
const type = (name: string | RegExp, value: string, within_: HTMLElement = document.body) =>
  fireEvent.change(within(within_).getByLabelText(name), { target: { value } });
let api: FakeApi;
beforeEach(() => {
  sessionStorage.clear();
  signedInAs(ADMIN as never);
  api = new FakeApi()
    .on('GET /api/routing/directory/users', [...DIRECTORY_USERS, LEADER, SECRETARY])
    .on('GET /api/routing/directory/units', DIRECTORY_UNITS)
    .on('GET /api/routing/directory/delegations', [])
    .on('GET /api/routing/directory/routing-rules', { default: null, rules: [] })
    .install();
});
afterEach(() => {
  cleanup();
  vi.unstubAllGlobals();
});

describe("the administrator's home", () => {
  it('leads to the directory screens, not to the document lists', async () => {
    at('/');
    await settle();
    expect(screen.getByRole('heading', { name: 'Quản trị hệ thống' })).toBeTruthy();
    const main = screen.getByRole('main');
    for (const name of ['Đơn vị', 'Người dùng', 'Ủy quyền', 'Quy tắc phân phối', 'Nhập danh bạ (CSV)']) {
      expect(within(main).getAllByRole('link', { name }).length).toBeGreaterThan(0);
    }
    expect(within(screen.getByRole('navigation', { name: 'Chức năng' })).getByRole('link', { name: 'Quản trị' }).getAttribute('href')).toBe('/quan-tri');
    expect(screen.queryByRole('link', { name: 'Văn bản đến' })).toBeNull();
  });
});

describe('units', () => {
  it('lists the units, creates one under a parent and renames one keeping its parent', async () => {
    api.on('PUT /api/routing/directory/units/phong-noi-vu', (c: { body: unknown }) => ({ agency_code: 'x', unit_id: 'phong-noi-vu', parent_unit_id: null, ...(c.body as object) }));
    api.on('PUT /api/routing/directory/units/phong-ke-hoach', (c: { body: unknown }) => ({ agency_code: 'x', unit_id: 'phong-ke-hoach', ...(c.body as object) }));
    at('/quan-tri/don-vi');
    await settle();
    expect(screen.getByRole('heading', { name: 'Đơn vị', level: 1 })).toBeTruthy();
    expect(screen.getByRole('row', { name: /phong-ke-hoach Phòng Kế hoạch/ })).toBeTruthy();

    const create = screen.getByRole('form', { name: 'Tạo đơn vị' });
    type('Mã đơn vị', 'phong-noi-vu', create);
    type('Tên đơn vị', 'Phòng Nội vụ', create);
    fireEvent.change(within(create).getByLabelText('Đơn vị cấp trên'), { target: { value: 'phong-ke-hoach' } });
    fireEvent.click(within(create).getByRole('button', { name: 'Tạo đơn vị' }));
    await settle();
    expect(api.sent('PUT /api/routing/directory/units/phong-noi-vu')[0].body).toEqual({ name: 'Phòng Nội vụ', parent_unit_id: 'phong-ke-hoach', active: true });
    expect(screen.getByRole('status').textContent).toBe('Đã tạo đơn vị Phòng Nội vụ.');

    fireEvent.click(screen.getByRole('button', { name: 'Đổi tên Phòng Kế hoạch' }));
    const rename = screen.getByRole('form', { name: 'Đổi tên đơn vị' });
    type('Tên mới', 'Phòng Kế hoạch - Đầu tư', rename);
    fireEvent.click(within(rename).getByRole('button', { name: 'Lưu tên mới' }));
    await settle();
    expect(api.sent('PUT /api/routing/directory/units/phong-ke-hoach')[0].body).toEqual({ name: 'Phòng Kế hoạch - Đầu tư', parent_unit_id: null, active: true });
    expect(screen.getByRole('status').textContent).toBe('Đã đổi tên đơn vị thành Phòng Kế hoạch - Đầu tư.');
  });

  it("shows routing's refusal of an id at the field, in Vietnamese", async () => {
    api.on(
      'PUT /api/routing/directory/units/-phong-noi-vu',
      { detail: [{ loc: ['path', 'unit_id'], msg: "String should match pattern '^[A-Za-z0-9][A-Za-z0-9._:-]*$'", type: 'string_pattern_mismatch' }] },
      422,
    );
    at('/quan-tri/don-vi');
    await settle();
    const create = screen.getByRole('form', { name: 'Tạo đơn vị' });
    type('Mã đơn vị', '-phong-noi-vu', create);
    type('Tên đơn vị', 'Phòng Nội vụ', create);
    fireEvent.click(within(create).getByRole('button', { name: 'Tạo đơn vị' }));
    await settle();
    const field = within(create).getByLabelText('Mã đơn vị');
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(document.getElementById(field.getAttribute('aria-describedby')!)!.textContent).toBe(
      'Chỉ dùng chữ không dấu, số và . _ : - (bắt đầu bằng chữ hoặc số).',
    );
  });
});

describe('users', () => {
  it('creates a person with roles and a unit', async () => {
    api.on('PUT /api/routing/directory/users/chuyenvien2', (c: { body: unknown }) => c.body);
    at('/quan-tri/nguoi-dung');
    await settle();
    expect(screen.getByRole('row', { name: /Hoàng Văn Em chuyenvien1 Chuyên viên Phòng Kế hoạch Chuyên viên Đang hoạt động/ })).toBeTruthy();

    const form = screen.getByRole('form', { name: 'Tạo người dùng' });
    type('Tên đăng nhập', 'chuyenvien2', form);
    type('Họ và tên', 'Ngô Thị Giang', form);
    type('Chức vụ', 'Chuyên viên', form);
    type('Thư điện tử', 'giang@example.vn', form);
    fireEvent.change(within(form).getByLabelText('Đơn vị'), { target: { value: 'phong-tai-chinh' } });
    fireEvent.click(within(form).getByLabelText('Chuyên viên'));
    fireEvent.click(within(form).getByLabelText('Thư ký'));
    fireEvent.click(within(form).getByRole('button', { name: 'Tạo người dùng' }));
    await settle();
    expect(api.sent('PUT /api/routing/directory/users/chuyenvien2')[0].body).toEqual({
      full_name: 'Ngô Thị Giang', position: 'Chuyên viên', email: 'giang@example.vn', unit_id: 'phong-tai-chinh', roles: ['specialist', 'secretary'], active: true,
    });
    expect(screen.getByRole('status').textContent).toBe('Đã tạo người dùng Ngô Thị Giang.');
  });

  it("changes a person's roles and unit, and deactivates a person keeping the rest", async () => {
    api.on('PUT /api/routing/directory/users/chuyenvien1', (c: { body: unknown }) => c.body);
    at('/quan-tri/nguoi-dung');
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Sửa Hoàng Văn Em' }));
    const form = screen.getByRole('form', { name: 'Sửa người dùng' });
    expect((within(form).getByLabelText('Tên đăng nhập') as HTMLInputElement).disabled).toBe(true);
    fireEvent.click(within(form).getByLabelText('Trưởng đơn vị'));
    fireEvent.change(within(form).getByLabelText('Đơn vị'), { target: { value: 'phong-tai-chinh' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Lưu người dùng' }));
    await settle();
    expect(api.sent('PUT /api/routing/directory/users/chuyenvien1')[0].body).toEqual({
      full_name: 'Hoàng Văn Em', position: 'Chuyên viên', email: null, unit_id: 'phong-tai-chinh', roles: ['specialist', 'unit_head'], active: true,
    });

    api.on('PUT /api/routing/directory/users/vanthu1', (c: { body: unknown }) => c.body);
    fireEvent.click(screen.getByRole('button', { name: 'Ngừng hoạt động Đặng Thị Lan' }));
    await settle();
    // the whole person is sent again: her roles and unit are kept
    expect(api.sent('PUT /api/routing/directory/users/vanthu1')[0].body).toEqual({
      full_name: 'Đặng Thị Lan', position: 'Văn thư', email: null, unit_id: 'van-phong', roles: ['clerk'], active: false,
    });
    expect(screen.getByRole('status').textContent).toBe('Đã ngừng hoạt động Đặng Thị Lan.');
  });

  it("shows routing's refusal of an unknown unit at the unit field", async () => {
    api.on('PUT /api/routing/directory/users/x1', { detail: 'unit_id: no unit phong-cu in 000.00.00.G22' }, 422);
    at('/quan-tri/nguoi-dung');
    await settle();
    const form = screen.getByRole('form', { name: 'Tạo người dùng' });
    type('Tên đăng nhập', 'x1', form);
    type('Họ và tên', 'Người Mới', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Tạo người dùng' }));
    await settle();
    const unit = within(form).getByLabelText('Đơn vị');
    expect(unit.getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByText('Không có đơn vị "phong-cu" trong cơ quan 000.00.00.G22.')).toBeTruthy();
    expect(screen.queryByRole('status')).toBeNull();
  });
});

describe('delegations', () => {
  const granted = {
    delegation_id: 'u1', leader_user_id: 'lanhdao1', secretary_user_id: 'thuky1',
    valid_from: '2026-12-01T00:00:00+07:00', valid_until: '2027-01-01T00:00:00+07:00', revoked_at: null,
  };

  it("lists the agency's delegations from routing, each with where it stands", async () => {
    api.on('GET /api/routing/directory/delegations', [
      { ...granted, delegation_id: 'cu', valid_from: '2025-01-01T00:00:00+07:00', valid_until: null, revoked_at: '2025-06-01T03:00:00Z' },
      { ...granted, delegation_id: 'het-han', valid_from: '2025-01-01T00:00:00+07:00', valid_until: '2025-02-01T00:00:00+07:00' },
      { ...granted, delegation_id: 'dang', valid_from: '2025-01-01T00:00:00+07:00', valid_until: null },
    ]);
    at('/quan-tri/uy-quyen');
    await settle();
    const table = screen.getByRole('table', { name: 'Các ủy quyền của cơ quan' });
    const revoked = within(table).getByRole('row', { name: /^cu Nguyễn Văn An Trần Thị Bình/ });
    expect(revoked.textContent).toContain('Đã thu hồi ngày 01/06/2025');
    expect(within(revoked).queryByRole('button')).toBeNull();
    expect(within(table).getByRole('row', { name: /^het-han/ }).textContent).toContain('Đã hết hạn ngày 01/02/2025');
    const valid = within(table).getByRole('row', { name: /^dang/ });
    expect(valid.textContent).toContain('01/01/2025 – không thời hạn');
    expect(valid.textContent).toContain('Đang hiệu lực');
    expect(within(valid).getByRole('button', { name: 'Thu hồi dang' })).toBeTruthy();
  });

  it("grants a leader's delegation to a secretary for a period, from 00:00 in Vietnam, and revokes it from the list", async () => {
    let listed: object[] = [];
    api.on('GET /api/routing/directory/delegations', () => listed);
    api.on('POST /api/routing/directory/delegations', () => {
      listed = [granted];
      return granted;
    });
    api.on('POST /api/routing/directory/delegations/u1/revocation', () => {
      listed = [{ ...granted, revoked_at: '2026-12-05T03:00:00Z' }];
      return listed[0];
    });
    at('/quan-tri/uy-quyen');
    await settle();
    expect(screen.getByText('Cơ quan chưa có ủy quyền nào.')).toBeTruthy();
    const form = screen.getByRole('form', { name: 'Cấp ủy quyền' });
    // only leaders and secretaries are offered
    expect(within(within(form).getByLabelText('Lãnh đạo')).getAllByRole('option').map((o) => o.textContent)).toEqual(['(chọn)', 'Nguyễn Văn An · Giám đốc']);
    fireEvent.change(within(form).getByLabelText('Lãnh đạo'), { target: { value: 'lanhdao1' } });
    fireEvent.change(within(form).getByLabelText('Thư ký'), { target: { value: 'thuky1' } });
    type('Hiệu lực từ ngày', '2026-12-01', form);
    type(/^Đến ngày/, '2027-01-01', form);
    fireEvent.click(within(form).getByRole('button', { name: 'Cấp ủy quyền' }));
    await settle();
    expect(api.sent('POST /api/routing/directory/delegations')[0].body).toEqual({
      leader_user_id: 'lanhdao1', secretary_user_id: 'thuky1', valid_from: '2026-12-01T00:00:00+07:00', valid_until: '2027-01-01T00:00:00+07:00',
    });
    const row = screen.getByRole('row', { name: /u1 Nguyễn Văn An Trần Thị Bình/ });
    expect(row.textContent).toContain('01/12/2026 – 01/01/2027');

    fireEvent.click(within(row).getByRole('button', { name: 'Thu hồi u1' }));
    await settle();
    expect(api.sent('POST /api/routing/directory/delegations/u1/revocation')).toHaveLength(1);
    expect(screen.getByRole('row', { name: /u1/ }).textContent).toContain('Đã thu hồi ngày 05/12/2026');
    expect(screen.getByRole('status').textContent).toBe('Đã thu hồi ủy quyền u1.');
  });

  it('says a delegation that starts later is not valid yet', () => {
    const later = { ...granted, valid_from: '2027-03-01T00:00:00+07:00', valid_until: null };
    expect(delegationState(later, new Date('2027-02-01T00:00:00Z'))).toBe('Hiệu lực từ ngày 01/03/2027');
    expect(delegationState(later, new Date('2027-03-02T00:00:00Z'))).toBe('Đang hiệu lực');
  });
});

describe('routing rules', () => {
  it('saves the default route and a rule, and says how many waiting documents went to the leader', async () => {
    api.on('PUT /api/routing/directory/routing-rules', (c: { body: object }) => ({ ...c.body, waiting_documents_routed: 2 }));
    at('/quan-tri/quy-tac');
    await settle();
    fireEvent.change(screen.getByLabelText('Trình lãnh đạo'), { target: { value: 'lanhdao1' } });
    fireEvent.change(screen.getByLabelText('Đơn vị chủ trì đề xuất'), { target: { value: 'phong-ke-hoach' } });
    fireEvent.click(screen.getByRole('button', { name: 'Thêm quy tắc' }));
    const rule = screen.getByRole('group', { name: 'Quy tắc 1' });
    type('Mã quy tắc', 'tai-chinh', rule);
    type('Ưu tiên', '20', rule);
    fireEvent.change(within(rule).getByLabelText('Trình lãnh đạo'), { target: { value: 'lanhdao1' } });
    fireEvent.change(within(rule).getByLabelText('Đơn vị chủ trì đề xuất'), { target: { value: 'phong-tai-chinh' } });
    const types = within(rule).getByLabelText('Loại văn bản') as HTMLSelectElement;
    Array.from(types.options).forEach((o) => (o.selected = o.value === 'decision' || o.value === 'report'));
    fireEvent.change(types);
    type(/^Mã cơ quan ban hành/, '000.00.00.G09, 000.00.00.H49', rule);
    type(/^Từ khóa/, 'ngân sách, tài sản', rule);
    fireEvent.click(screen.getByRole('button', { name: 'Lưu quy tắc phân phối' }));
    await settle();
    expect(api.sent('PUT /api/routing/directory/routing-rules')[0].body).toEqual({
      default: { leader_user_id: 'lanhdao1', lead_unit_id: 'phong-ke-hoach' },
      rules: [
        {
          rule_id: 'tai-chinh', priority: 20, route: { leader_user_id: 'lanhdao1', lead_unit_id: 'phong-tai-chinh' },
          document_type_codes: ['decision', 'report'], issuer_agency_codes: ['000.00.00.G09', '000.00.00.H49'], subject_keywords: ['ngân sách', 'tài sản'],
        },
      ],
    });
    expect(screen.getByRole('status').textContent).toBe('Đã lưu quy tắc phân phối. 2 văn bản đang chờ quy tắc đã được trình lãnh đạo.');
  });

  it('lists the saved rules, the default last, and puts them in the form to change', async () => {
    api.on('GET /api/routing/directory/routing-rules', {
      default: { leader_user_id: 'lanhdao1', lead_unit_id: 'phong-ke-hoach' },
      rules: [
        {
          rule_id: 'tai-chinh', priority: 5, route: { leader_user_id: 'lanhdao1', lead_unit_id: 'phong-tai-chinh' },
          document_type_codes: ['decision'], issuer_agency_codes: ['000.00.00.H49'], subject_keywords: ['ngân sách'],
        },
      ],
    });
    at('/quan-tri/quy-tac');
    await settle();
    const table = screen.getByRole('table', { name: 'Quy tắc phân phối hiện hành' });
    const [, first, last] = within(table).getAllByRole('row');
    expect(first.textContent).toContain('tai-chinh (ưu tiên 5)');
    expect(first.textContent).toContain('Cơ quan ban hành: 000.00.00.H49; Từ khóa: ngân sách');
    expect(first.textContent).toContain('Nguyễn Văn An');
    expect(first.textContent).toContain('Phòng Tài chính');
    expect(last.textContent).toContain('Mặc định');
    expect(last.textContent).toContain('Phòng Kế hoạch');
    const rule = screen.getByRole('group', { name: 'Quy tắc 1' });
    expect((within(rule).getByLabelText('Mã quy tắc') as HTMLInputElement).value).toBe('tai-chinh');
    expect((within(rule).getByLabelText(/^Từ khóa/) as HTMLInputElement).value).toBe('ngân sách');
    expect((screen.getAllByLabelText('Trình lãnh đạo')[0] as HTMLSelectElement).value).toBe('lanhdao1');
  });

  it('asks for the default route before sending anything', async () => {
    at('/quan-tri/quy-tac');
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Lưu quy tắc phân phối' }));
    await settle();
    expect(screen.getByLabelText('Trình lãnh đạo').getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Chọn đơn vị chủ trì.')).toBeTruthy();
    expect(api.sent('PUT /api/routing/directory/routing-rules')).toHaveLength(0);
  });
});

const CSV = [
  'kind,id,name,parent_unit_id,unit_id,position,email,roles',
  'unit,phong-noi-vu,Phòng Nội vụ,,,,,',
  'user,nv1,"Lý Văn, Minh",,phong-noi-vu,Chuyên viên,,specialist',
  'user,nv2,Bùi Thị Nga,,phong-noi-vu,Chuyên viên,,boss',
].join('\n');

describe('the CSV import', () => {
  it('shows every row routing refused in a table and on its row, in Vietnamese, and says nothing changed', async () => {
    api.on(
      'POST /api/routing/directory/import',
      {
        detail: {
          message: '2 row(s) of the file are refused; nothing was imported.',
          message_vi: 'Có 2 dòng lỗi trong tệp; danh bạ không thay đổi.',
          rows: [
            { row: 3, field: 'unit_id', message: 'no unit phong-cu in 000.00.00.G22', message_vi: 'không có đơn vị "phong-cu" trong cơ quan' },
            { row: 4, field: 'email', message: 'String should match pattern', message_vi: 'không phải địa chỉ thư điện tử' },
            { row: 4, field: 'roles', message: "no role 'boss'", message_vi: 'không có vai trò "boss" (các vai trò: clerk, leader)' },
          ],
        },
      },
      422,
    );
    at('/quan-tri/nhap-danh-ba');
    await settle();
    type('Nội dung CSV', CSV);
    fireEvent.click(screen.getByRole('button', { name: 'Nhập danh bạ' }));
    await settle();
    expect(api.sent('POST /api/routing/directory/import')[0].body).toBe(CSV);
    const alert = screen.getByRole('alert');
    expect(alert.textContent).toContain('Không nhập được, danh bạ không thay đổi.');
    expect(alert.textContent).toContain('Có 2 dòng lỗi trong tệp');
    const errors = screen.getByRole('table', { name: 'Các lỗi của tệp' });
    expect(within(errors).getAllByRole('row').slice(1).map((r) => r.textContent)).toEqual([
      '3unit_idkhông có đơn vị "phong-cu" trong cơ quan',
      '4emailkhông phải địa chỉ thư điện tử',
      '4roleskhông có vai trò "boss" (các vai trò: clerk, leader)',
    ]);
    const third = screen.getByRole('row', { name: /^3 user nv1 Lý Văn, Minh/ });
    expect(third.className).toBe('row-error');
    expect(third.textContent).toContain('Cột unit_id: không có đơn vị "phong-cu" trong cơ quan');
    const fourth = screen.getByRole('row', { name: /^4 user nv2 Bùi Thị Nga/ });
    expect(fourth.className).toBe('row-error');
    expect(fourth.textContent).toContain('Cột email: không phải địa chỉ thư điện tử Cột roles: không có vai trò "boss"');
    expect(screen.getByRole('row', { name: /^2 unit phong-noi-vu/ }).className).toBe('');
  });

  it('says a refusal of the whole file, such as a missing column, on the header', async () => {
    api.on(
      'POST /api/routing/directory/import',
      { detail: { message: '1 row(s)', message_vi: 'Có 1 dòng lỗi trong tệp; danh bạ không thay đổi.', rows: [{ row: 1, field: 'header', message: 'missing column(s) id', message_vi: 'thiếu cột id' }] } },
      422,
    );
    at('/quan-tri/nhap-danh-ba');
    await settle();
    type('Nội dung CSV', 'kind,name\nunit,Phòng');
    fireEvent.click(screen.getByRole('button', { name: 'Nhập danh bạ' }));
    await settle();
    const errors = screen.getByRole('table', { name: 'Các lỗi của tệp' });
    expect(within(errors).getAllByRole('row')[1].textContent).toBe('1Dòng tiêu đềthiếu cột id');
  });

  it('sends the file as text/csv and says how many units and people came in', async () => {
    const fetchSpy = vi.mocked(fetch);
    api.on('POST /api/routing/directory/import', { units: 1, users: 2 });
    at('/quan-tri/nhap-danh-ba');
    await settle();
    const file = new File([CSV], 'danh-ba.csv', { type: 'text/csv' });
    fireEvent.change(screen.getByLabelText('Tệp CSV'), { target: { files: [file] } });
    await settle();
    fireEvent.click(screen.getByRole('button', { name: 'Nhập danh bạ' }));
    await settle();
    const [, init] = fetchSpy.mock.calls.find(([url]) => String(url) === '/api/routing/directory/import')!;
    expect(new Headers(init!.headers).get('Content-Type')).toBe('text/csv');
    expect(init!.body).toBe(CSV);
    expect(screen.getByRole('status').textContent).toBe('Đã nhập 1 đơn vị và 2 người dùng.');
  });

  it('reads quoted fields the way routing does', () => {
    expect(parseCsv('\ufeffa,b\r\n"x, y","say ""hi"""\n\n')).toEqual([['a', 'b'], ['x, y', 'say "hi"']]);
  });
});
