// Bulk scan import in real Chromium (Nhập lô bản quét): the clerk chooses a manifest and its three
// scans, the page checks the manifest, sends the rows one by one and shows 3 registered; the clerk
// comes back later (a new page), sends the same batch again and sees 3 already done, none twice.
//   VANTHU_WEB_URL=http://127.0.0.1:8080 VANTHU_WEB_IMPORT_DIR=dir VANTHU_WEB_SHOTS=dir node e2e/import-flow.mjs
// VANTHU_WEB_IMPORT_DIR holds manifest.csv and the scans it names.
import { mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { call, eventually, expectVisible, launch, openPage, PEOPLE, screenshot, shots, signIn, step, tokenOf } from './browser.mjs';
import { violations } from './axe.mjs';

const folder = process.env.VANTHU_WEB_IMPORT_DIR;
if (!folder) throw new Error('VANTHU_WEB_IMPORT_DIR must name a folder with manifest.csv and its scans');
const scans = readdirSync(folder).filter((name) => name.endsWith('.pdf')).sort().map((name) => join(folder, name));
mkdirSync(shots, { recursive: true });

const browser = await launch();
const outside = [];
const found = [];

async function importTheBatch(page) {
  await page.getByRole('link', { name: 'Nhập lô bản quét' }).click();
  await expectVisible(page.getByRole('heading', { name: 'Nhập lô bản quét' }), 'the import page');
  await page.getByLabel('Tệp danh sách (CSV)', { exact: true }).setInputFiles(join(folder, 'manifest.csv'));
  await page.getByLabel('Các tệp bản quét (PDF, PNG, JPEG, TIFF)', { exact: true }).setInputFiles(scans);
  await page.getByRole('button', { name: 'Kiểm tra danh sách' }).click();
  await expectVisible(page.getByText(`${scans.length} dòng hợp lệ.`), 'the manifest checked');
  await page.getByRole('button', { name: `Nhập ${scans.length} văn bản` }).click();
  await expectVisible(page.getByText(/Đã xong\./), 'the batch done', 120000);
  const count = async (what) => (await page.locator(`[data-progress="${what}"]`).innerText()).trim();
  return {
    done: await count('done'),
    registered: await count('registered'),
    alreadyDone: await count('already_done'),
    failed: await count('failed'),
  };
}

try {
  const page = await openPage(browser, outside);
  step('the clerk signs in');
  await signIn(page, PEOPLE.clerk.user_id, PEOPLE.clerk.full_name, 'Văn thư');
  // intake copies the directory from Kafka: until it knows the clerk it refuses everyone (403).
  const clerk = await tokenOf(PEOPLE.clerk);
  await eventually(async () => {
    const probe = await call(clerk, 'intake', '/v1/imports/scans/manifest', { method: 'POST', body: JSON.stringify({ csv: 'file\n' }) });
    return probe.status !== 403;
  }, 'intake to know the clerk', 120000, 2000);

  step('the clerk imports the batch');
  const first = await importTheBatch(page);
  step(`first run: ${first.done}, registered ${first.registered}, already done ${first.alreadyDone}, failed ${first.failed}`);
  await screenshot(page, 'import-01-da-dang-ky.png');
  if (first.done !== `${scans.length} / ${scans.length}` || first.registered !== String(scans.length) || first.failed !== '0') {
    throw new Error(`the first run shows ${JSON.stringify(first)}`);
  }
  const numbers = await page.getByRole('table', { name: 'Kết quả từng dòng' }).getByRole('link').allInnerTexts();
  step(`arrival numbers: ${numbers.join(', ')}`);
  found.push(...(await violations(page, 'van-ban-den/nhap-lo')));

  step('the clerk comes back later and sends the same batch again');
  await page.goto(new URL('/van-ban-den', page.url()).href);
  const again = await importTheBatch(page);
  step(`second run: ${again.done}, registered ${again.registered}, already done ${again.alreadyDone}, failed ${again.failed}`);
  await screenshot(page, 'import-02-da-co-tu-truoc.png');
  if (again.alreadyDone !== String(scans.length) || again.registered !== '0' || again.failed !== '0') {
    throw new Error(`the second run shows ${JSON.stringify(again)}`);
  }
  const numbersAgain = await page.getByRole('table', { name: 'Kết quả từng dòng' }).getByRole('link').allInnerTexts();
  if (numbersAgain.join() !== numbers.join()) throw new Error(`the numbers changed: ${numbers} then ${numbersAgain}`);
} catch (error) {
  for (const context of browser.contexts()) {
    for (const [i, open] of context.pages().entries()) {
      await open.screenshot({ path: `${shots}/import-failure-${i}.png`, fullPage: true }).catch(() => {});
      process.stdout.write(`web-flow: failed at ${open.url()}\n`);
    }
  }
  throw error;
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
