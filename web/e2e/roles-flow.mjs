// The agency's day after registration, in real Chromium, one person after another: an idle
// session ends; the secretary records the leader's paper decision with its slip; the unit head
// gives the task to the specialist, who reports progress and uploads a draft; the unit head
// forwards it, the leader approves it and reads the dashboard; the clerk issues the outgoing
// document from the approved draft and follows it per recipient, and prints the registers; the
// auditor finds the document without diacritics, reads its timeline and verifies the chains.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_FILES=dir VANTHU_WEB_SHOTS=dir node e2e/roles-flow.mjs
// VANTHU_WEB_FILES holds scan-a.pdf, scan-b.pdf, slip.pdf and draft.pdf.
import { mkdirSync } from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import {
  base, call, caseOf, eventually, expectVisible, inDays, launch, openPage, pdfWithText, PEOPLE, registerIncomingScan, screenshot, shots, signIn, signOut, step, TABLET, tokenOf, vn,
} from './browser.mjs';

const files = process.env.VANTHU_WEB_FILES;
if (!files) throw new Error('VANTHU_WEB_FILES must name a folder with the PDFs to upload');
mkdirSync(shots, { recursive: true });
const run = Date.now();
const subjectA = `Về việc tổng kết công tác năm ${run}`;
const subjectB = `Về việc kiểm kê tài sản công ${run}`;

async function registerIncoming(token, subject, scan) {
  return registerIncomingScan(token, subject, await readFile(join(files, scan)), scan);
}

const browser = await launch();
const outside = [];
try {
  const page = await openPage(browser, outside);

  // ---- the directory, two incoming documents ----------------------------------------------
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  step('an idle session does not come back with a reload');
  await page.evaluate(() => sessionStorage.setItem('vanthu.lastActivity', String(Date.now() - 16 * 60 * 1000)));
  await page.reload();
  await expectVisible(page.getByText('Phiên làm việc đã kết thúc sau 15 phút không thao tác'), 'the idle notice');
  await expectVisible(page.getByRole('heading', { name: 'Đăng nhập' }), 'the sign-in page after the idle end');
  await screenshot(page, '10-het-phien.png');

  const clerk = await tokenOf(PEOPLE.clerk);
  const leader = await tokenOf(PEOPLE.leader);
  step('the clerk registers two documents (through the API: the form is web-flow.mjs)');
  const docA = await registerIncoming(clerk, subjectA, 'scan-a.pdf');
  await registerIncoming(clerk, subjectB, 'scan-b.pdf');
  const caseA = await caseOf(leader, subjectA);
  await caseOf(leader, subjectB);

  // ---- the leader directs the first, with the working-day calendar --------------------------
  step('the leader directs the first, reading the calendar');
  await page.setViewportSize(TABLET);
  await signIn(page, PEOPLE.leader.user_id, PEOPLE.leader.full_name, 'Lãnh đạo');
  await page.goto(`${base}/chi-dao/${caseA.case_id}`);
  await expectVisible(page.getByRole('heading', { name: 'Ý kiến chỉ đạo' }), 'the direction form');
  await page.getByLabel('Đơn vị chủ trì').selectOption('phong-ke-hoach');
  await page.getByLabel('Nội dung chỉ đạo').fill('Phòng Kế hoạch chủ trì, dự thảo văn bản trả lời.');
  const due = inDays(14);
  await page.getByLabel('Hạn xử lý').fill(due);
  const calendar = page.locator('section.calendar');
  await expectVisible(calendar.getByRole('status').filter({ hasText: `Hạn ${vn(due)}` }), 'the working days left until the deadline');
  // A month with a holiday (every year has one within a few months): marked and named.
  const holidays = calendar.getByRole('list', { name: 'Ngày nghỉ lễ trong tháng' });
  await eventually(async () => {
    if (await holidays.count()) return true;
    await calendar.getByRole('button', { name: 'Tháng sau' }).click();
    return false;
  }, 'a month with a holiday in the calendar', 20000, 300);
  const holidayText = await holidays.innerText();
  if (!/\d{2}\/\d{2}\/\d{4}: \S+/.test(holidayText)) throw new Error(`the holidays read "${holidayText}"`);
  if (!(await calendar.locator('td.holiday').count())) throw new Error('no holiday marked in the month grid');
  await screenshot(page, '10b-lich-lam-viec.png');
  await page.getByRole('button', { name: 'Giao xử lý' }).click();
  await expectVisible(page.getByText('Đã giao xử lý văn bản.'), 'the direction recorded', 30000);
  await signOut(page);
  await page.setViewportSize({ width: 1280, height: 900 });

  // ---- the secretary enters the leader's paper decision on the second ------------------------
  step("the secretary records the leader's paper decision with the slip");
  await signIn(page, PEOPLE.secretary.user_id, PEOPLE.secretary.full_name, 'Thư ký');
  await expectVisible(page.getByRole('link', { name: subjectB }), "the second document in the secretary's inbox", 30000);
  await page.getByRole('link', { name: subjectB }).click();
  const proxy = page.getByRole('form', { name: 'Nhập ý kiến chỉ đạo thay lãnh đạo' });
  await expectVisible(proxy, 'the proxy form');
  await proxy.getByLabel('Bản quét phiếu giải quyết (PDF, PNG, JPEG, TIFF)').setInputFiles(join(files, 'slip.pdf'));
  await proxy.getByLabel('Nội dung chỉ đạo').fill('Giao Phòng Kế hoạch kiểm kê, báo cáo trước hạn.');
  await proxy.getByLabel('Đơn vị chủ trì').selectOption('phong-ke-hoach');
  await proxy.getByLabel('Hạn xử lý').fill(inDays(10));
  await proxy.getByRole('button', { name: 'Ghi ý kiến chỉ đạo' }).click();
  await expectVisible(page.getByText(`Đã nhập ý kiến chỉ đạo của ${PEOPLE.leader.full_name} theo phiếu giải quyết.`), 'the proxy entry recorded', 30000);
  const recorded = page.getByRole('region', { name: 'Ý kiến chỉ đạo đã ghi' });
  await expectVisible(recorded.getByText('Nhập thay', { exact: true }), 'the proxy badge');
  await expectVisible(recorded.getByText(`${PEOPLE.secretary.full_name} nhập thay theo phiếu giải quyết ngày`), 'who typed it in');
  await screenshot(page, '13-nhap-thay.png');
  await signOut(page);

  // ---- the unit head gives the first to the specialist, sees the proxy on the second ---------
  step('the unit head re-assigns');
  await signIn(page, PEOPLE.unitHead.user_id, PEOPLE.unitHead.full_name, 'Trưởng đơn vị');
  await expectVisible(page.getByRole('heading', { name: 'Việc của tôi' }), "the unit head's tasks");
  await page.getByRole('link', { name: 'Việc của đơn vị' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Việc của đơn vị' }), "the unit's tasks");
  await expectVisible(page.getByRole('link', { name: subjectA }), 'the new task in the unit', 30000);
  await expectVisible(page.getByRole('row', { name: new RegExp(subjectB) }).getByText('Nhập thay', { exact: true }), 'the proxy shown in the task list', 30000);
  await page.getByRole('link', { name: subjectA }).click();
  const unitTaskUrl = page.url();
  const reassign = page.getByRole('form', { name: 'Giao chuyên viên' });
  await expectVisible(reassign, 'the re-assign form');
  await reassign.getByLabel('Chuyên viên').selectOption(PEOPLE.specialist.user_id);
  await reassign.getByLabel('Yêu cầu').fill('Soạn báo cáo tổng kết, trình trước hạn.');
  await reassign.getByRole('button', { name: 'Giao việc' }).click();
  await expectVisible(page.getByText('Đã giao việc cho chuyên viên.'), 'the task given');
  await expectVisible(page.getByText(`${PEOPLE.specialist.full_name} · Đã giao`), 'the specialist named under the task');
  await screenshot(page, '11-giao-chuyen-vien.png');
  await signOut(page);

  // ---- the specialist reports progress and uploads a draft ----------------------------------
  step('the specialist works on it');
  await signIn(page, PEOPLE.specialist.user_id, PEOPLE.specialist.full_name, 'Chuyên viên');
  await expectVisible(page.getByRole('link', { name: subjectA }), "the task in the specialist's list", 30000);
  const row = page.getByRole('row', { name: new RegExp(subjectA) });
  if (!(await row.innerText()).includes('Chuyên viên xử lý')) throw new Error(`the task row reads "${await row.innerText()}"`);
  await page.getByRole('link', { name: subjectA }).click();
  await page.getByLabel('Đã làm được (%)').fill('60');
  await page.getByLabel('Nội dung tiến độ').fill('Đã tổng hợp số liệu ba quý.');
  await page.getByRole('button', { name: 'Ghi tiến độ' }).click();
  await expectVisible(page.getByText('Đang xử lý · 60%'), 'the progress recorded');
  await page.getByLabel('Tệp dự thảo (PDF, DOC, DOCX, ODT)').setInputFiles(join(files, 'draft.pdf'));
  await page.getByRole('button', { name: 'Tải lên dự thảo' }).click();
  await expectVisible(page.getByRole('region', { name: 'Dự thảo' }).getByText('Chờ lãnh đạo đơn vị xem xét'), 'the draft uploaded');
  await screenshot(page, '12-du-thao.png');
  await signOut(page);

  // ---- the unit head forwards the draft -----------------------------------------------------
  step('the unit head forwards the draft');
  await signIn(page, PEOPLE.unitHead.user_id, PEOPLE.unitHead.full_name, 'Trưởng đơn vị');
  await page.goto(unitTaskUrl);
  await page.getByLabel('Ý kiến xem xét').fill('Đạt yêu cầu, trình Giám đốc.');
  await page.getByRole('button', { name: 'Chuyển lãnh đạo duyệt' }).click();
  await expectVisible(page.getByRole('region', { name: 'Dự thảo' }).getByText('Chờ lãnh đạo phê duyệt'), 'the draft forwarded');
  await expectVisible(page.getByText('Ý kiến: Đạt yêu cầu, trình Giám đốc.'), 'the review shown');
  await signOut(page);

  // ---- the leader's dashboard, and the approval -------------------------------------------
  step('the leader reads the dashboard and approves the draft');
  await signIn(page, PEOPLE.leader.user_id, PEOPLE.leader.full_name, 'Lãnh đạo');
  await page.getByRole('link', { name: 'Tổng hợp' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Tổng hợp tình hình xử lý' }), 'the dashboard', 30000);
  // Other tests of the session may have a "Phòng Kế hoạch" of their own in the agency: the demo
  // unit is the one holding this flow's two tasks.
  const rows = page.getByRole('row', { name: /^Phòng Kế hoạch/ });
  const read = [];
  for (const row of await rows.all()) read.push(await row.locator('td').allInnerTexts());
  if (!read.some((f) => f.length === 5 && Number(f[0]) >= 2 && /%|Chưa có/.test(f[4]))) {
    throw new Error(`the planning office reads ${read.map((f) => f.join(' | ')).join(' / ')}`);
  }
  // What the leader reads is what routing's indicators counted (ADR 0052): open, due soon, overdue.
  await eventually(async () => {
    const counted = (await call(leader, 'routing', '/reports/indicators')).body.now.units['phong-ke-hoach'];
    await page.reload();
    await expectVisible(page.getByRole('heading', { name: 'Tổng hợp tình hình xử lý' }), 'the dashboard again', 30000);
    const shown = [];
    for (const row of await page.getByRole('table').first().getByRole('row', { name: /^Phòng Kế hoạch/ }).all()) shown.push(await row.locator('td').allInnerTexts());
    return counted && shown.some((f) => f[0] === String(counted.open) && f[1] === String(counted.due_soon) && f[2] === String(counted.overdue));
  }, "the planning office's figures as the indicators counted them", 60000);
  await expectVisible(page.getByRole('region', { name: 'Ý kiến do thư ký nhập thay' }).getByText(subjectB), 'the proxy entry in the report');
  const toApprove = page.getByRole('region', { name: 'Dự thảo chờ phê duyệt' }).getByRole('link', { name: subjectA });
  await expectVisible(toApprove, 'the draft waiting for approval');
  await screenshot(page, '14-tong-hop.png');
  await toApprove.click();
  await page.getByLabel('Ý kiến của lãnh đạo').fill('Đồng ý, phát hành.');
  await page.getByRole('button', { name: 'Phê duyệt dự thảo' }).click();
  await expectVisible(page.getByText('Đã phê duyệt dự thảo; văn thư sẽ phát hành văn bản.'), 'the draft approved');
  await expectVisible(page.getByRole('region', { name: 'Dự thảo văn bản trả lời' }).getByText('Đã phê duyệt'), 'the draft marked approved');
  await signOut(page);

  // ---- the clerk issues the outgoing document and follows it --------------------------------
  step('the clerk issues the reply from the approved draft');
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  await page.goto(`${base}/van-ban/${docA.id}`);
  const issue = page.getByRole('link', { name: 'Phát hành văn bản đi từ dự thảo này' });
  await expectVisible(issue, 'the approved draft offered on the document page', 30000);
  await issue.click();
  await expectVisible(page.getByRole('region', { name: 'Từ dự thảo đã duyệt' }).getByText('draft.pdf'), 'the approved draft named');
  await expectVisible(page.getByRole('list', { name: 'Cơ quan nhận' }).getByText('Bộ Nội vụ'), 'the issuer proposed as recipient');
  await page.getByRole('checkbox', { name: 'Phòng Tài chính', exact: true }).check();
  await page.getByLabel('Viết tắt tên cơ quan').fill('UBND');
  await page.getByLabel('Viết tắt đơn vị soạn thảo').fill('KH');
  await page.getByLabel('Địa danh').fill('Hà Nội');
  await page.getByLabel('Chức vụ người ký').fill('Giám đốc');
  // intake learns of the approval from routing's event: until then it knows no such draft.
  const numbered = page.getByRole('region', { name: 'Số đã cấp' });
  await eventually(async () => {
    await page.getByRole('button', { name: 'Cấp số văn bản' }).click();
    await page.locator('[role=alert], section[aria-labelledby=so-da-cap]').first().waitFor({ timeout: 15000 });
    return (await numbered.count()) > 0;
  }, 'intake to number the approved draft', 120000, 2000);
  const notation = (await numbered.locator('.arrival strong').innerText()).trim();
  if (!/^\d+\/UBND-KH$/.test(notation)) throw new Error(`the reserved notation reads "${notation}"`);
  await expectVisible(numbered.getByText(/^Hà Nội, ngày \d{2} tháng \d{1,2} năm \d{4}$/), 'the date to print');
  await screenshot(page, '15a-cap-so.png');
  step(`numbered ${notation}: the signed PDF prints it`);
  const signed = join(shots, 'ban-ky-so.pdf');
  await writeFile(signed, pdfWithText(`So: ${notation}   Ha Noi, ngay ...`));
  await page.getByLabel('Bản gốc đã ký số (PDF)').setInputFiles(signed);
  await page.getByRole('button', { name: 'Phát hành và gửi' }).click();
  await expectVisible(page.getByText(`Đã phát hành văn bản số ${notation}.`), 'the outgoing document issued', 30000);
  const statuses = page.getByRole('region', { name: 'Nơi nhận và trạng thái' });
  await expectVisible(statuses.getByRole('row', { name: /Phòng Tài chính.*Gửi nội bộ/ }), 'the internal recipient');
  // No connector runs in this session: intake says the send waits for, or got no answer from, the exchange.
  await expectVisible(statuses.getByRole('row', { name: /Bộ Nội vụ/ }).getByText(/Đã yêu cầu gửi|trục liên thông|Đang chờ gửi|Đã đến|Đã gửi/), "the exchange recipient's status in Vietnamese", 30000);
  await screenshot(page, '15-van-ban-di.png');

  step('the clerk prints the outgoing register of today');
  await page.getByRole('link', { name: 'Sổ đăng ký' }).click();
  await page.getByLabel('Sổ', { exact: true }).selectOption('outgoing');
  await page.getByLabel('Từ ngày').fill(inDays(0));
  await page.getByLabel('Đến ngày').fill(inDays(0));
  await page.getByRole('button', { name: 'Xem sổ' }).click();
  const register = page.getByRole('region', { name: `Sổ đăng ký văn bản đi từ ${vn(inDays(0))} đến ${vn(inDays(0))}` });
  await expectVisible(register.getByRole('row', { name: /V\/v trả lời văn bản/ }), 'the issued document in the register', 30000);
  const pdfHref = await register.getByRole('link', { name: 'Tải sổ (PDF)' }).getAttribute('href');
  const head = await page.evaluate(async (href) => new TextDecoder().decode((await (await fetch(href)).arrayBuffer()).slice(0, 5)), pdfHref);
  if (head !== '%PDF-') throw new Error(`the printed register starts "${head}"`);
  await screenshot(page, '16-so-dang-ky.png');
  await signOut(page);

  // ---- the auditor ----------------------------------------------------------------------
  step('the auditor searches without diacritics, reads the timeline, verifies');
  await signIn(page, PEOPLE.auditor.user_id, PEOPLE.auditor.full_name, 'Kiểm tra');
  await expectVisible(page.getByRole('heading', { name: 'Tra cứu văn bản lưu trữ' }), 'the search page');
  const folded = subjectB.normalize('NFD').replace(/[\u0300-\u036f]/g, '').replace(/đ/g, 'd').replace(/Đ/g, 'D').toLowerCase();
  const hitB = page.getByRole('link', { name: subjectB });
  await eventually(async () => {
    await page.getByLabel('Từ khóa (có thể gõ không dấu)').fill(folded);
    await page.getByRole('button', { name: 'Tìm kiếm' }).click();
    await page.getByRole('heading', { name: /văn bản$/ }).waitFor({ timeout: 15000 });
    return (await hitB.count()) > 0;
  }, 'the archive to find the second document', 120000, 2000);
  await screenshot(page, '17-tra-cuu.png');
  await hitB.click();
  const timeline = page.getByRole('region', { name: 'Quá trình xử lý' });
  await expectVisible(timeline.getByText(/Vào sổ văn bản đến/), 'the registration in the timeline', 30000);
  await eventually(async () => {
    if (await timeline.getByText('Nhập thay', { exact: true }).count()) return true;
    await page.reload();
    return false;
  }, "the secretary's proxy entry in the timeline", 60000, 2000);
  await page.getByRole('button', { name: 'Kiểm tra chuỗi băm' }).click();
  await expectVisible(page.getByRole('status').filter({ hasText: /^Toàn vẹn: đã kiểm tra \d+ bản ghi/ }), 'the chains verified', 120000);
  await screenshot(page, '18-dong-thoi-gian.png');
  await signOut(page);

  if (outside.length) throw new Error(`requests left the machine: ${outside.join(', ')}`);
  step('done');
} catch (error) {
  for (const context of browser.contexts()) {
    for (const [i, open] of context.pages().entries()) {
      await open.screenshot({ path: join(shots, `failure-${i}.png`), fullPage: true }).catch(() => {});
      process.stdout.write(`web-flow: failed at ${open.url()}\n`);
    }
  }
  throw error;
} finally {
  await browser.close();
}
