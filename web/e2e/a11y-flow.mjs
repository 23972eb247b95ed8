// The accessibility check, in real Chromium: axe-core on the sign-in page and on the main page of
// every role (the demo directory's people, signed in from the dev sign-in page), the
// administrator's screens included, and the pages of a document with content (the clerk's
// document page, the leader's case page with the direction form); fails on any serious or
// critical violation.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_SHOTS=dir node e2e/a11y-flow.mjs
import { mkdirSync } from 'node:fs';
import {
  base, call, eventually, expectVisible, inDays, launch, openPage, pdfWithText, PEOPLE, screenshot, shots, signIn, signOut, step, tokenOf,
} from './browser.mjs';
import { violations } from './axe.mjs';

mkdirSync(shots, { recursive: true });

const ROLES = [
  // user id, name, role as the sign-in list says it, the heading of the page they land on
  ['vanthu1', 'Đặng Thị Lan', 'Văn thư', 'Đăng ký văn bản đến'],
  ['lanhdao1', 'Nguyễn Văn An', 'Lãnh đạo', 'Văn bản chờ chỉ đạo'],
  ['thuky1', 'Trần Thị Bình', 'Thư ký', 'Văn bản chờ chỉ đạo'],
  ['truongphong1', 'Lê Văn Cường', 'Trưởng đơn vị', 'Việc của tôi'],
  ['chuyenvien1', 'Hoàng Văn Em', 'Chuyên viên', 'Việc của tôi'],
  ['kiemtra1', 'Vũ Thị Hoa', 'Kiểm tra, lưu trữ', 'Tra cứu văn bản lưu trữ'],
  ['quantri1', 'Phan Văn Khoa', 'Quản trị', 'Quản trị hệ thống'],
];
const ADMIN_SCREENS = [
  // path, link in the administrator's menu, heading
  ['/quan-tri/don-vi', 'Đơn vị', 'Đơn vị'],
  ['/quan-tri/nguoi-dung', 'Người dùng', 'Người dùng'],
  ['/quan-tri/uy-quyen', 'Ủy quyền', 'Ủy quyền cho thư ký'],
  ['/quan-tri/quy-tac', 'Quy tắc phân phối', 'Quy tắc phân phối văn bản đến'],
  ['/quan-tri/nhap-danh-ba', 'Nhập danh bạ (CSV)', 'Nhập danh bạ từ tệp CSV'],
];

const outside = [];
const found = [];
const browser = await launch();
try {
  const page = await openPage(browser, outside);

  async function check(where, heading) {
    await expectVisible(page.getByRole('heading', { name: heading, level: 1 }), `${where}: the heading "${heading}"`);
    // Loaded: no "Đang tải…" left (the live stream keeps a request open: no network idle).
    await page.getByText('Đang tải…').first().waitFor({ state: 'detached', timeout: 15000 }).catch(() => {});
    const seen = await violations(page, where);
    step(`axe ${where}: ${seen.length} serious or critical`);
    found.push(...seen);
    await screenshot(page, `a11y-${where.replace(/[^a-z0-9]+/gi, '-')}.png`);
  }

  await page.goto(base);
  await expectVisible(page.locator('label.person, button:has-text("Tạo danh bạ mẫu")'), 'the directory or the demo offer');
  await check('sign-in', 'Đăng nhập');

  for (const [userId, name, role, heading] of ROLES) {
    await signIn(page, userId, name, role);
    await check(userId, heading);
    if (userId === 'quantri1') {
      for (const [path, link, heading] of ADMIN_SCREENS) {
        await page.getByRole('navigation', { name: 'Quản trị' }).getByRole('link', { name: link, exact: true }).click();
        await page.waitForURL(`**${path}`);
        await check(`quantri1${path}`, heading);
      }
    }
    await signOut(page);
  }

  step('a document with content: the clerk registers one (through the API)');
  const subject = `Về việc kiểm tra khả năng tiếp cận ${Date.now()}`;
  const clerk = await tokenOf(PEOPLE.clerk);
  const form = new FormData();
  form.append('metadata', JSON.stringify({
    channel: 'paper', issuer: { name: 'Bộ Nội vụ', agency_code: '000.00.00.G09' }, document_type: 'official_letter',
    code_number: String(Math.floor(Math.random() * 900000) + 1), code_notation: 'BNV-VP', issued_date: inDays(-1), subject,
    page_count: 1, signer: { position: 'Thứ trưởng', full_name: 'Trần Văn Bình' }, urgency: 'urgent', confidentiality: 'normal', due_date: inDays(20),
  }));
  form.append('file', new Blob([pdfWithText('A11Y')], { type: 'application/pdf' }), 'cong-van.pdf');
  let registered;
  // intake copies the directory from Kafka: until it knows the clerk it refuses everyone (403).
  await eventually(async () => {
    registered = await call(clerk, 'intake', '/v1/documents', { method: 'POST', body: form });
    return registered.status !== 403;
  }, 'intake to know the clerk', 120000, 2000);
  if (registered.status !== 201) throw new Error(`registering: ${registered.status} ${JSON.stringify(registered.body)}`);
  const leader = await tokenOf(PEOPLE.leader);
  let theCase;
  await eventually(async () => {
    const inbox = await call(leader, 'routing', '/inbox');
    theCase = inbox.status === 200 ? inbox.body.find((c) => c.document.subject === subject) : undefined;
    return !!theCase;
  }, 'the document in the leader\'s inbox', 120000, 2000);

  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  await page.goto(`${base}/van-ban/${registered.body.id}`);
  await check('vanthu1/van-ban', subject);
  await signOut(page);
  await signIn(page, PEOPLE.leader.user_id, PEOPLE.leader.full_name, 'Lãnh đạo');
  await page.goto(`${base}/chi-dao/${theCase.case_id}`);
  await expectVisible(page.getByRole('heading', { name: 'Ý kiến chỉ đạo' }), 'the direction form');
  await check('lanhdao1/chi-dao', subject);
  await signOut(page);
} finally {
  await browser.close();
}

if (outside.length) {
  console.error(`requests left the machine: ${outside.join(', ')}`);
  process.exit(1);
}
if (found.length) {
  console.error(`accessibility: ${found.length} serious or critical violation(s):\n${found.join('\n')}`);
  process.exit(1);
}
step('done');
