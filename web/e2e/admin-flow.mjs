// The administrator sets up the agency in real Chromium: a unit (created, renamed), a person
// (created with a role in it, then deactivated), a delegation from the leader to the secretary
// (granted, revoked, in the agency's list), the routing rules (the saved ones listed), and a CSV
// import whose bad row is shown on that row (nothing imported) and, fixed, imported. The sign-in
// page then lists the imported person and no longer the deactivated one. axe-core checks the
// import page with its row error.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_SHOTS=dir node e2e/admin-flow.mjs
import { mkdirSync } from 'node:fs';
import { base, expectVisible, launch, openPage, screenshot, shots, signIn, signOut, step } from './browser.mjs';
import { violations } from './axe.mjs';

mkdirSync(shots, { recursive: true });
const run = Date.now().toString(36);
const unitId = `phong-noi-vu-${run}`;
const userId = `nv-a-${run}`;
const importedId = `nv-b-${run}`;

const outside = [];
const browser = await launch();
let failures = [];
try {
  const page = await openPage(browser, outside);
  await signIn(page, 'quantri1', 'Phan Văn Khoa', 'Quản trị');
  await expectVisible(page.getByRole('heading', { name: 'Quản trị hệ thống' }), "the administrator's home");
  const menu = page.getByRole('navigation', { name: 'Quản trị' });

  step('units: create and rename');
  await menu.getByRole('link', { name: 'Đơn vị', exact: true }).click();
  const create = page.getByRole('form', { name: 'Tạo đơn vị' });
  await create.getByLabel('Mã đơn vị').fill(unitId);
  await create.getByLabel('Tên đơn vị').fill('Phòng Nội vụ');
  await create.getByRole('button', { name: 'Tạo đơn vị' }).click();
  await expectVisible(page.getByRole('row', { name: `${unitId} Phòng Nội vụ` }), 'the new unit in the list');
  await page.getByRole('button', { name: 'Đổi tên Phòng Nội vụ' }).click();
  const rename = page.getByRole('form', { name: 'Đổi tên đơn vị' });
  await rename.getByLabel('Tên mới').fill('Phòng Tổ chức - Nội vụ');
  await rename.getByRole('button', { name: 'Lưu tên mới' }).click();
  await expectVisible(page.getByRole('row', { name: `${unitId} Phòng Tổ chức - Nội vụ` }), 'the renamed unit');
  await screenshot(page, 'admin-01-don-vi.png');

  step('users: create with a role in the unit, then deactivate');
  await menu.getByRole('link', { name: 'Người dùng', exact: true }).click();
  const person = page.getByRole('form', { name: 'Tạo người dùng' });
  await person.getByLabel('Tên đăng nhập').fill(userId);
  await person.getByLabel('Họ và tên').fill('Ngô Văn Hải');
  await person.getByLabel('Chức vụ').fill('Chuyên viên');
  await person.getByLabel('Đơn vị', { exact: true }).selectOption(unitId);
  await person.getByLabel('Chuyên viên', { exact: true }).check();
  await person.getByRole('button', { name: 'Tạo người dùng' }).click();
  const row = page.getByRole('row', { name: new RegExp(`Ngô Văn Hải ${userId} Chuyên viên Phòng Tổ chức - Nội vụ Chuyên viên Đang hoạt động`) });
  await expectVisible(row, 'the new person with role and unit');
  await page.getByRole('button', { name: 'Ngừng hoạt động Ngô Văn Hải' }).click();
  await expectVisible(page.getByRole('row', { name: new RegExp(`Ngô Văn Hải ${userId}.*Ngừng hoạt động`) }), 'the person deactivated');
  await screenshot(page, 'admin-02-nguoi-dung.png');

  step('delegations: grant and revoke');
  await menu.getByRole('link', { name: 'Ủy quyền', exact: true }).click();
  const grant = page.getByRole('form', { name: 'Cấp ủy quyền' });
  await grant.getByLabel('Lãnh đạo').selectOption('lanhdao1');
  await grant.getByLabel('Thư ký').selectOption('thuky1');
  const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
  await grant.getByLabel('Hiệu lực từ ngày').fill(today);
  await grant.getByRole('button', { name: 'Cấp ủy quyền' }).click();
  // The list is the agency's (routing's GET /directory/delegations): the demo's own delegation
  // and earlier runs' are there too, so the new one is found by the id the page says it got.
  const granted = page.getByRole('status').getByText(/^Đã ủy quyền: Nguyễn Văn An → Trần Thị Bình \(mã /);
  await expectVisible(granted, 'the delegation granted');
  const delegationId = /\(mã ([^)]+)\)\.$/.exec(await granted.innerText())[1];
  const delegation = page.getByRole('row', { name: new RegExp(`^${delegationId} Nguyễn Văn An Trần Thị Bình .* Đang hiệu lực`) });
  await expectVisible(delegation, 'the delegation granted, in the list');
  await delegation.getByRole('button', { name: `Thu hồi ${delegationId}` }).click();
  await expectVisible(page.getByRole('row', { name: new RegExp(`^${delegationId} Nguyễn Văn An Trần Thị Bình .* Đã thu hồi ngày`) }), 'the delegation revoked');
  await screenshot(page, 'admin-03-uy-quyen.png');

  step('routing rules: the default route');
  await menu.getByRole('link', { name: 'Quy tắc phân phối', exact: true }).click();
  const rules = page.getByRole('form', { name: 'Quy tắc phân phối' });
  await expectVisible(page.getByRole('table', { name: 'Quy tắc phân phối hiện hành' }).getByRole('row', { name: /^Mặc định/ }), "the agency's saved default route");
  const byDefault = rules.getByRole('group', { name: 'Mặc định' });
  await byDefault.getByLabel('Trình lãnh đạo').selectOption('lanhdao1');
  await byDefault.getByLabel('Đơn vị chủ trì đề xuất').selectOption('phong-ke-hoach');
  await rules.getByRole('button', { name: 'Lưu quy tắc phân phối' }).click();
  await expectVisible(page.getByRole('status').getByText('Đã lưu quy tắc phân phối.'), 'the rules saved');

  step('CSV import: a bad row is shown on its row, nothing is imported; fixed, it is');
  await menu.getByRole('link', { name: 'Nhập danh bạ (CSV)', exact: true }).click();
  const csv = (role) => ['kind,id,name,parent_unit_id,unit_id,position,email,roles', `unit,${unitId}-2,Tổ Lưu trữ,${unitId},,,,`, `user,${importedId},Đinh Thị Mai,,${unitId}-2,Lưu trữ viên,,${role}`].join('\n');
  await page.getByLabel('Nội dung CSV').fill(csv('luu_tru'));
  await page.getByRole('button', { name: 'Nhập danh bạ' }).click();
  await expectVisible(page.getByText('Không nhập được, danh bạ không thay đổi.'), 'the refusal');
  const bad = page.locator('tr.row-error');
  await expectVisible(bad.getByText('Cột roles: không có vai trò "luu_tru"'), 'the row error on row 3');
  const badRow = (await bad.innerText()).split('\t')[0].trim();
  if (badRow !== '3') throw new Error(`the row error is on row ${badRow}, not 3`);
  await screenshot(page, 'admin-04-loi-dong.png');
  failures = await violations(page, 'the import with a row error');
  await page.getByLabel('Nội dung CSV').fill(csv('auditor'));
  await page.getByRole('button', { name: 'Nhập danh bạ' }).click();
  await expectVisible(page.getByRole('status').getByText('Đã nhập 1 đơn vị và 1 người dùng.'), 'the import done');

  step('the sign-in page lists the imported person, not the deactivated one');
  await signOut(page);
  await page.goto(base);
  await expectVisible(page.locator(`label.person:has(input[value="${importedId}"])`), 'the imported person on the sign-in page');
  if (await page.locator(`label.person:has(input[value="${userId}"])`).count()) throw new Error('the deactivated person is still offered at sign-in');
  await screenshot(page, 'admin-05-dang-nhap.png');
} finally {
  await browser.close();
}

if (outside.length) {
  console.error(`requests left the machine: ${outside.join(', ')}`);
  process.exit(1);
}
if (failures.length) {
  console.error(`accessibility: ${failures.join('\n')}`);
  process.exit(1);
}
step('done');
