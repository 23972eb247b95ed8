// The auditor's "state as of a moment" in real Chromium: the clerk registers a document (through
// the API), the archive takes it from Kafka; the auditor opens it from the archive's search and
// asks what was known of it now (registered, with the chain position the answer was folded
// from), an hour before its registration (nothing yet), and tomorrow (refused at the field).
// axe-core checks the page with the answer shown.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_SHOTS=dir node e2e/audit-flow.mjs
import { mkdirSync } from 'node:fs';
import { call, eventually, expectVisible, inDays, launch, openPage, pdfWithText, PEOPLE, screenshot, shots, signIn, signOut, step, today, tokenOf } from './browser.mjs';
import { violations } from './axe.mjs';

mkdirSync(shots, { recursive: true });

/** A moment in Vietnam's time as a datetime-local field takes it: `2026-12-01T10:30:05`. */
function vietnamLocal(when) {
  return new Intl.DateTimeFormat('sv-SE', {
    timeZone: 'Asia/Ho_Chi_Minh', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit', hourCycle: 'h23',
  }).format(when).replace(' ', 'T');
}

const outside = [];
const found = [];
const browser = await launch();
try {
  step('the clerk registers a document (through the API)');
  const subject = `Kế hoạch kiểm kê tài sản công ${Date.now()}`;
  const clerk = await tokenOf(PEOPLE.clerk);
  const form = new FormData();
  form.append('metadata', JSON.stringify({
    channel: 'paper', issuer: { name: 'Bộ Tài chính', agency_code: '000.00.00.G12' }, document_type: 'official_letter',
    code_number: String(Math.floor(Math.random() * 900000) + 1), code_notation: 'BTC-QLCS', issued_date: inDays(-1), subject,
    page_count: 1, signer: { position: 'Thứ trưởng', full_name: 'Lê Văn Thành' }, urgency: 'normal', confidentiality: 'normal', due_date: inDays(15),
  }));
  form.append('file', new Blob([pdfWithText('KIEM KE')], { type: 'application/pdf' }), 'ke-hoach.pdf');
  const before = new Date(Date.now() - 60 * 60 * 1000);
  let registered;
  // intake copies the directory from Kafka: until it knows the clerk it refuses everyone (403).
  await eventually(async () => {
    registered = await call(clerk, 'intake', '/v1/documents', { method: 'POST', body: form });
    return registered.status !== 403;
  }, 'intake to know the clerk', 120000, 2000);
  if (registered.status !== 201) throw new Error(`registering: ${registered.status} ${JSON.stringify(registered.body)}`);
  const documentId = registered.body.id;
  const auditor = await tokenOf(PEOPLE.auditor);
  await eventually(async () => (await call(auditor, 'archive', `/archive/documents/${documentId}`)).status === 200,
    'the document in the archive', 120000, 2000);

  const page = await openPage(browser, outside);
  await signIn(page, PEOPLE.auditor.user_id, PEOPLE.auditor.full_name, 'Kiểm tra');
  step('the auditor finds it in the archive and opens it');
  await page.getByLabel('Từ khóa (có thể gõ không dấu)').fill('ke hoach kiem ke tai san');
  await page.getByRole('button', { name: 'Tìm kiếm' }).click();
  await page.getByRole('link', { name: subject }).click();
  await expectVisible(page.getByRole('heading', { name: subject, level: 1 }), "the document's page");
  const section = page.getByRole('region', { name: 'Trạng thái tại một thời điểm' });
  const moment = section.getByLabel('Thời điểm (giờ Việt Nam)');

  step('the state now: registered, from the chain');
  const now = vietnamLocal(new Date());
  await moment.fill(now);
  await section.getByRole('button', { name: 'Xem trạng thái' }).click();
  const shown = section.getByRole('region', { name: /^Lúc / });
  await expectVisible(shown.getByText('Trạng thái: Đã vào sổ'), 'the status known now');
  await expectVisible(shown.getByText(subject, { exact: false }), 'its subject as registered');
  await expectVisible(shown.getByRole('status').getByText(/^Tính từ [1-9]\d* bản ghi của chuỗi băm; bản ghi cuối: .+\/\d+\/\d+, mã băm [0-9a-f]{16}…\.$/), 'the chain position it was folded from');
  await screenshot(page, 'audit-01-trang-thai-hien-tai.png');
  const seen = await violations(page, 'tra-cuu/trang-thai');
  step(`axe tra-cuu/trang-thai: ${seen.length} serious or critical`);
  found.push(...seen);

  step('an hour before its registration: nothing known yet');
  await moment.fill(vietnamLocal(before));
  await section.getByRole('button', { name: 'Xem trạng thái' }).click();
  await expectVisible(shown.getByText('Đến thời điểm này lưu trữ chưa ghi nhận việc vào sổ văn bản.'), 'nothing known before');
  await expectVisible(shown.getByRole('status').getByText('Tính từ 0 bản ghi của chuỗi băm.'), 'no record folded');
  await screenshot(page, 'audit-02-truoc-khi-vao-so.png');

  step('tomorrow: refused at the field');
  await moment.fill(vietnamLocal(new Date(Date.now() + 24 * 60 * 60 * 1000)));
  await section.getByRole('button', { name: 'Xem trạng thái' }).click();
  await expectVisible(section.getByText('Thời điểm chưa tới.'), 'the refusal of a future moment');
  if ((await moment.getAttribute('aria-invalid')) !== 'true') throw new Error('the moment field is not marked invalid');
  await screenshot(page, 'audit-03-thoi-diem-chua-toi.png');
  await signOut(page);

  step('records files: the clerk opens one from the plan, files the document and closes it');
  const year = Number(today.slice(0, 4));
  const code = `HS.${Date.now().toString(36)}`;
  const title = `Hồ sơ kiểm kê tài sản ${code}`;
  const plan = await call(clerk, 'archive', `/archive/file-plans/${year}`, {
    method: 'PUT',
    body: JSON.stringify({ entries: [{ code, title, retention_years: 10, responsible_unit: 'van-phong' }] }),
  });
  if (plan.status !== 200) throw new Error(`the file plan: ${plan.status} ${JSON.stringify(plan.body)}`);
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  await page.getByRole('navigation', { name: 'Chức năng' }).getByRole('link', { name: 'Hồ sơ', exact: true }).click();
  const opening = page.getByRole('form', { name: `Lập hồ sơ theo danh mục năm ${year}` });
  await opening.getByLabel('Hồ sơ trong danh mục').selectOption(code);
  await opening.getByRole('button', { name: 'Lập hồ sơ' }).click();
  await expectVisible(page.getByRole('heading', { name: title, level: 1 }), 'the new records file');
  // The moment field takes whole seconds: one between the opening and the filing.
  await page.waitForTimeout(1100);
  const empty = vietnamLocal(new Date());
  await page.waitForTimeout(1100);
  await page.getByLabel('Mã văn bản cần đưa vào hồ sơ').fill(documentId);
  await page.getByRole('button', { name: 'Đưa vào hồ sơ' }).click();
  await expectVisible(page.getByRole('list', { name: 'Văn bản trong hồ sơ' }).getByRole('link', { name: subject }), 'the document in the file, by its subject');
  await page.getByRole('button', { name: 'Kết thúc hồ sơ' }).click();
  await expectVisible(page.getByRole('status').getByText('Đã kết thúc hồ sơ.'), 'the file closed');
  await expectVisible(page.getByText(/^Đã kết thúc · bảo quản 10 năm/), 'its status and retention');
  await screenshot(page, 'audit-04-ho-so.png');
  step('the file as it stood before the document was filed');
  await page.getByLabel('Thời điểm (giờ Việt Nam)').fill(empty);
  await page.getByRole('button', { name: 'Xem hồ sơ lúc đó' }).click();
  await expectVisible(page.getByRole('status').getByText(/: Đang lập, 0 văn bản \(lần cập nhật thứ 1, /), 'the file then: open and empty');
  const seenFile = await violations(page, 'ho-so');
  step(`axe ho-so: ${seenFile.length} serious or critical`);
  found.push(...seenFile);
  await screenshot(page, 'audit-05-ho-so-luc-truoc.png');
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
