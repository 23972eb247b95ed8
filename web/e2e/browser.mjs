// What the browser flows share: Debian's chromium through playwright-core, waiting for what a
// person sees, polling with a deadline, signing in from the dev directory, and API calls the
// flows make to set the scene (as the person, with a dev token, through the same origin).
import { chromium } from 'playwright-core';
import { join } from 'node:path';

export const base = process.env.VANTHU_WEB_URL ?? 'http://127.0.0.1:8080';
export const shots = process.env.VANTHU_WEB_SHOTS ?? 'web-shots';
export const AGENCY = '000.00.00.G22';
export const TABLET = { width: 820, height: 1180 };
export const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Ho_Chi_Minh' }).format(new Date());
export const inDays = (n) => {
  const d = new Date(`${today}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + n);
  return d.toISOString().slice(0, 10);
};
export const vn = (iso) => iso.split('-').reverse().join('/');

export function step(what) {
  process.stdout.write(`web-flow: ${what}\n`);
}

export async function expectVisible(locator, what, timeout = 15000) {
  try {
    await locator.first().waitFor({ state: 'visible', timeout });
  } catch (error) {
    throw new Error(`not seen: ${what} (${error.message.split('\n')[0]})`);
  }
}

/** Poll with a deadline: `probe` returns true when done. */
export async function eventually(probe, what, timeout = 120000, interval = 1000) {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((r) => setTimeout(r, interval));
  }
  throw new Error(`timed out after ${timeout / 1000} s waiting for ${what}`);
}

export async function launch() {
  return chromium.launch({
    executablePath: process.env.VANTHU_CHROMIUM ?? '/usr/bin/chromium',
    // Debian's chromium carries only en-US locale data (chromium-l10n is not installed), so its own
    // controls (date fields, the file button) show in English here.
    args: ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking'],
  });
}

/** A page that records every request leaving the machine into `outside` (the browser's own
 * chrome:// and chrome-extension:// pages, its PDF viewer, are not the network). */
export async function openPage(browser, outside) {
  const context = await browser.newContext({ locale: 'vi-VN', timezoneId: 'Asia/Ho_Chi_Minh', viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  page.on('request', (request) => {
    const url = new URL(request.url());
    const network = ['http:', 'https:', 'ws:', 'wss:'].includes(url.protocol);
    if (network && !['127.0.0.1', 'localhost'].includes(url.hostname)) outside.push(request.url());
  });
  return page;
}

export async function screenshot(page, name) {
  await page.screenshot({ path: join(shots, name), fullPage: true });
}

export async function signIn(page, userId, name, roleText) {
  await page.goto(base);
  await expectVisible(page.getByRole('heading', { name: 'Đăng nhập' }), 'the sign-in page');
  const person = page.locator(`label.person:has(input[value="${userId}"])`);
  await expectVisible(page.locator('label.person, button:has-text("Tạo danh bạ mẫu")'), 'the directory or the demo offer');
  if (!(await person.count())) {
    step('the directory lacks the demo people: create them');
    await page.getByRole('button', { name: 'Tạo danh bạ mẫu' }).click();
    await expectVisible(person, `${name} in the directory`);
  }
  const text = await person.innerText();
  if (!text.includes(name) || !text.includes(roleText)) throw new Error(`the sign-in list shows "${text}" for ${userId}`);
  await person.click();
  await page.getByRole('button', { name: 'Đăng nhập' }).click();
  await expectVisible(page.locator('header.top').getByText(name), `${name} signed in`);
}

export async function signOut(page) {
  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await expectVisible(page.getByText('Bạn đã đăng xuất.'), 'signed out');
}

/** The demo people of web/src/demo.ts, as the flows sign them in through the API. */
export const PEOPLE = {
  clerk: { user_id: 'vanthu1', full_name: 'Đặng Thị Lan', roles: ['clerk'], unit_id: 'van-phong' },
  leader: { user_id: 'lanhdao1', full_name: 'Nguyễn Văn An', roles: ['leader'] },
  secretary: { user_id: 'thuky1', full_name: 'Trần Thị Bình', roles: ['secretary'], unit_id: 'van-phong' },
  unitHead: { user_id: 'truongphong1', full_name: 'Lê Văn Cường', roles: ['unit_head'], unit_id: 'phong-ke-hoach' },
  specialist: { user_id: 'chuyenvien1', full_name: 'Hoàng Văn Em', roles: ['specialist'], unit_id: 'phong-ke-hoach' },
  auditor: { user_id: 'kiemtra1', full_name: 'Vũ Thị Hoa', roles: ['auditor'], unit_id: 'van-phong' },
};

export async function tokenOf(person) {
  const answer = await fetch(`${base}/api/intake/dev/sign-in`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ ...person, agency_code: AGENCY }),
  });
  if (!answer.ok) throw new Error(`dev sign-in of ${person.user_id}: ${answer.status} ${await answer.text()}`);
  return (await answer.json()).token;
}

export async function call(token, service, path, init = {}) {
  const headers = new Headers(init.headers);
  headers.set('Authorization', `Bearer ${token}`);
  if (typeof init.body === 'string') headers.set('Content-Type', 'application/json');
  const answer = await fetch(`${base}/api/${service}${path}`, { ...init, headers });
  const text = await answer.text();
  return { status: answer.status, body: text ? JSON.parse(text) : null };
}

/** An incoming paper document registered through intake's API by the clerk (`token`), as the
 * flows set the scene; waits while intake does not know the clerk yet. */
export async function registerIncomingScan(token, subject, bytes, name) {
  const form = new FormData();
  form.append('metadata', JSON.stringify({
    channel: 'paper', issuer: { name: 'Bộ Nội vụ', agency_code: '000.00.00.G09' }, document_type: 'official_letter',
    code_number: String(Math.floor(Math.random() * 900000) + 1), code_notation: 'BNV-VP', issued_date: inDays(-1), subject,
    page_count: 1, signer: { position: 'Thứ trưởng', full_name: 'Trần Văn Bình' }, urgency: 'urgent', confidentiality: 'normal', due_date: inDays(20),
  }));
  form.append('file', new Blob([bytes], { type: 'application/pdf' }), name);
  let answer;
  // intake copies the directory from Kafka: until it knows the clerk it refuses everyone (403).
  await eventually(async () => {
    answer = await call(token, 'intake', '/v1/documents', { method: 'POST', body: form });
    return answer.status !== 403;
  }, 'intake to know the clerk', 120000, 2000);
  if (answer.status !== 201) throw new Error(`registering "${subject}": ${answer.status} ${JSON.stringify(answer.body)}`);
  return answer.body;
}

/** The case routing opened for `subject`, from the leader's inbox (`token`: the leader). */
export async function caseOf(token, subject) {
  let found;
  await eventually(async () => {
    const inbox = await call(token, 'routing', '/inbox');
    found = inbox.status === 200 ? inbox.body.find((c) => c.document.subject === subject) : undefined;
    return !!found;
  }, `"${subject}" in the leader's inbox`, 120000, 2000);
  return found;
}

/** A one-page PDF showing `text` (ASCII) in Helvetica: the "signed" document that prints the
 * number intake reserved, as pdftotext reads it. */
export function pdfWithText(text) {
  const escaped = text.replace(/[\\()]/g, (c) => `\\${c}`);
  const stream = `BT /F1 14 Tf 72 760 Td (${escaped}) Tj ET`;
  const objects = [
    '<</Type/Catalog/Pages 2 0 R>>',
    '<</Type/Pages/Kids[3 0 R]/Count 1>>',
    '<</Type/Page/Parent 2 0 R/MediaBox[0 0 595 842]/Resources<</Font<</F1 5 0 R>>>>/Contents 4 0 R>>',
    `<</Length ${stream.length}>>stream\n${stream}\nendstream`,
    '<</Type/Font/Subtype/Type1/BaseFont/Helvetica>>',
  ];
  let out = `%PDF-1.7\n%${Math.random().toString(16).slice(2)}\n`;
  const offsets = [];
  objects.forEach((body, i) => {
    offsets.push(out.length);
    out += `${i + 1} 0 obj\n${body}\nendobj\n`;
  });
  const xref = out.length;
  out += `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n`;
  for (const offset of offsets) out += `${String(offset).padStart(10, '0')} 00000 n \n`;
  out += `trailer\n<</Size ${objects.length + 1}/Root 1 0 R>>\nstartxref\n${xref}\n%%EOF\n`;
  return Buffer.from(out, 'latin1');
}
