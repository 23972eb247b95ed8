// Signing in real Chromium (issue 14): a draft reply approved by the leader (set up through the
// API) is signed by the leader on "Ký số và phát hành" with his key in the agency's token; the
// clerk then numbers, seals and issues it from the same page; the issued document's page shows
// both signatures valid (the leader's, and the agency's over the number written in afterwards).
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_PDF=draft.pdf VANTHU_WEB_SHOTS=dir node e2e/signing-flow.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import {
  call, caseOf, eventually, expectVisible, inDays, launch, openPage, PEOPLE, registerIncomingScan, screenshot, shots, signIn, signOut, step, tokenOf,
} from './browser.mjs';

const pdf = process.env.VANTHU_WEB_PDF;
if (!pdf) throw new Error('VANTHU_WEB_PDF must name a PDF (the scan and the draft)');
mkdirSync(shots, { recursive: true });
const run = Date.now();
const subject = `Về việc cử cán bộ dự tập huấn ${run}`;
const draftName = `du-thao-${run}.pdf`;

async function ok(answer, what) {
  if (answer.status >= 300) throw new Error(`${what}: ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

const browser = await launch();
const outside = [];
try {
  // ---- the scene, through the API: a letter, its direction, a draft reply approved ------------
  step('a letter is directed, its reply drafted and approved (API)');
  const clerk = await tokenOf(PEOPLE.clerk);
  const leader = await tokenOf(PEOPLE.leader);
  const head = await tokenOf(PEOPLE.unitHead);
  const page = await openPage(browser, outside);
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư'); // the demo directory
  await registerIncomingScan(clerk, subject, readFileSync(pdf), 'cong-van.pdf');
  const found = await caseOf(leader, subject);
  const directed = await ok(
    await call(leader, 'routing', `/cases/${encodeURIComponent(found.case_id)}/direction`, {
      method: 'POST',
      body: JSON.stringify({ assignments: [{ unit_id: PEOPLE.unitHead.unit_id, role: 'lead', due_date: inDays(5) }] }),
    }),
    'directing',
  );
  const task = directed.tasks.find((t) => t.assignee.unit_id === PEOPLE.unitHead.unit_id);
  const form = new FormData();
  form.append('file', new Blob([readFileSync(pdf)], { type: 'application/pdf' }), draftName);
  let uploaded;
  await eventually(async () => {
    uploaded = await call(head, 'routing', `/cases/${encodeURIComponent(found.case_id)}/tasks/${encodeURIComponent(task.task_id)}/drafts`, { method: 'POST', body: form });
    return uploaded.status !== 403; // routing may not know the unit head's new task a moment
  }, 'the unit head to upload the draft', 60000, 2000);
  const draft = await ok(uploaded, 'uploading the draft'); // { draft_id, case }
  await ok(await call(head, 'routing', `/cases/${encodeURIComponent(found.case_id)}/drafts/${draft.draft_id}/review`, { method: 'POST', body: JSON.stringify({ forward: true }) }), 'forwarding');
  await ok(await call(leader, 'routing', `/cases/${encodeURIComponent(found.case_id)}/drafts/${draft.draft_id}/approval`, { method: 'POST', body: JSON.stringify({}) }), 'approving');
  await signOut(page);

  // ---- the leader signs ----------------------------------------------------------------------
  step('the leader signs it on "Ký số và phát hành"');
  await signIn(page, PEOPLE.leader.user_id, PEOPLE.leader.full_name, 'Lãnh đạo');
  await page.getByRole('link', { name: 'Ký số và phát hành' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Ký số và phát hành', level: 1 }), 'the signing page');
  const mine = page.getByRole('list', { name: 'Dự thảo chờ ký' }).locator('li', { hasText: draftName });
  // intake hears of the approval from routing's event a moment later (the page reloads on it)
  await expectVisible(mine, 'the approved draft waiting for the leader', 60000);
  await screenshot(page, 'sign-01-cho-ky.png');
  await mine.getByRole('checkbox').check();
  await page.getByRole('button', { name: /^Ký số 1 văn bản/ }).click();
  await expectVisible(page.getByText('Đã ký số 1 văn bản.'), 'the draft signed', 120000);
  await screenshot(page, 'sign-02-da-ky.png');
  await signOut(page);

  // ---- the clerk numbers, seals and issues -----------------------------------------------------
  step('the clerk numbers, seals and issues it');
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  await page.getByRole('link', { name: 'Ký số và phát hành' }).click();
  const toSeal = page.getByRole('list', { name: 'Văn bản chờ cấp số' }).locator('li', { hasText: draftName });
  await expectVisible(toSeal, 'the signed draft waiting for its number', 30000);
  await toSeal.getByRole('link', { name: 'Cấp số, đóng dấu và phát hành' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Phát hành văn bản đi' }), 'the issue page');
  await expectVisible(page.getByText(/đã ký số dự thảo này/), 'the draft said to be signed here');
  await page.getByLabel('Viết tắt tên cơ quan').fill('VPCP');
  await page.getByLabel('Viết tắt đơn vị soạn thảo').fill('KH');
  await page.getByLabel('Địa danh').fill('Hà Nội');
  await page.getByRole('group', { name: 'Đơn vị trong cơ quan' }).locator('label.check:has(input[value="phong-ke-hoach"]) input').check();
  await page.getByRole('button', { name: 'Cấp số, đóng dấu và phát hành' }).click();
  const issued = page.locator('.success-line', { hasText: 'Đã phát hành văn bản số' });
  await expectVisible(issued, 'the document issued', 120000);
  const issuedText = await issued.innerText();
  if (!/số \d+\/[^ ]*VPCP-KH/.test(issuedText)) throw new Error(`the issue line reads "${issuedText}"`);
  step(`issued: ${issuedText}`);
  const report = page.getByRole('region', { name: 'Chữ ký số' });
  await expectVisible(report.getByText('Tất cả chữ ký số hợp lệ.'), 'both signatures valid', 30000);
  const signatures = await report.getByRole('list', { name: 'Các chữ ký' }).locator('li').allInnerTexts();
  if (signatures.length !== 2) throw new Error(`the report lists ${signatures.length} signatures: ${signatures.join(' | ')}`);
  if (!signatures.some((s) => s.includes(PEOPLE.leader.full_name))) throw new Error(`no signature of the leader: ${signatures.join(' | ')}`);
  if (!signatures.every((s) => s.includes('thuộc danh sách tin cậy') && !s.includes('KHÔNG'))) throw new Error(`a signature is not trusted: ${signatures.join(' | ')}`);
  await screenshot(page, 'sign-03-da-phat-hanh.png');

  if (outside.length) throw new Error(`requests left the machine: ${outside.join(', ')}`);
  step('done');
} catch (error) {
  for (const context of browser.contexts()) {
    for (const [i, open] of context.pages().entries()) {
      await open.screenshot({ path: `${shots}/sign-failure-${i}.png`, fullPage: true }).catch(() => {});
      process.stdout.write(`web-flow: failed at ${open.url()}\n`);
    }
  }
  throw error;
} finally {
  await browser.close();
}
