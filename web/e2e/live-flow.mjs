// Live updates in real Chromium: the unit head has the unit's task list open; the leader, on
// another device (here: the API with the leader's token), directs a new document to the unit;
// the task appears on the unit head's screen without a reload, and the header says the lists
// update by themselves. The pages' fallback reload is once a minute: a task seen within 30 s
// came over the live stream.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_PDF=scan.pdf VANTHU_WEB_SHOTS=dir node e2e/live-flow.mjs
import { mkdirSync, readFileSync } from 'node:fs';
import {
  call, caseOf, expectVisible, inDays, launch, openPage, PEOPLE, registerIncomingScan, screenshot, shots, signIn, step, tokenOf,
} from './browser.mjs';

const pdf = process.env.VANTHU_WEB_PDF;
if (!pdf) throw new Error('VANTHU_WEB_PDF must name a PDF to upload');
mkdirSync(shots, { recursive: true });
const subject = `Về việc rà soát hồ sơ lưu trữ ${Date.now()}`;

const browser = await launch();
const outside = [];
try {
  const page = await openPage(browser, outside);
  step('the unit head opens the unit task list');
  await signIn(page, PEOPLE.unitHead.user_id, PEOPLE.unitHead.full_name, 'Trưởng đơn vị');
  await page.getByRole('link', { name: 'Việc của đơn vị' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Việc của đơn vị' }), "the unit's tasks");
  await expectVisible(page.locator('header.top [data-live="live"]', { hasText: 'Cập nhật trực tiếp' }), 'the live badge', 30000);
  await screenshot(page, 'live-01-truc-tiep.png');

  step('a document arrives and the leader directs it to the unit, elsewhere');
  const clerk = await tokenOf(PEOPLE.clerk);
  const leader = await tokenOf(PEOPLE.leader);
  await registerIncomingScan(clerk, subject, readFileSync(pdf), 'cong-van.pdf');
  const found = await caseOf(leader, subject);
  await page.evaluate(() => {
    window.__sameDocument = true; // gone if the page were reloaded
  });
  const directed = await call(leader, 'routing', `/cases/${encodeURIComponent(found.case_id)}/direction`, {
    method: 'POST',
    body: JSON.stringify({ text: 'Phòng Kế hoạch rà soát, báo cáo.', assignments: [{ unit_id: PEOPLE.unitHead.unit_id, role: 'lead', due_date: inDays(5) }] }),
  });
  if (directed.status !== 200) throw new Error(`directing: ${directed.status} ${JSON.stringify(directed.body)}`);

  step('the task appears without a reload');
  await expectVisible(page.getByRole('link', { name: subject }), 'the new task on the open page', 30000);
  if (!(await page.evaluate(() => window.__sameDocument === true))) throw new Error('the page was reloaded');
  await screenshot(page, 'live-02-viec-moi.png');

  if (outside.length) throw new Error(`requests left the machine: ${outside.join(', ')}`);
  step('done');
} catch (error) {
  for (const context of browser.contexts()) {
    for (const [i, open] of context.pages().entries()) {
      await open.screenshot({ path: `${shots}/live-failure-${i}.png`, fullPage: true }).catch(() => {});
      process.stdout.write(`web-flow: failed at ${open.url()}\n`);
    }
  }
  throw error;
} finally {
  await browser.close();
}
