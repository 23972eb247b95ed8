// Sign-in through the agency's OpenID Connect provider (Keycloak here), in real Chromium: the
// "Đăng nhập" button goes to the provider, the person types his username and password there, and
// comes back signed in (authorization code + PKCE); the services take the provider's token; signing
// out ends the provider's session too, so the next sign-in asks for the password again.
//   VANTHU_WEB_URL=… VANTHU_OIDC_USER=vanthu1 VANTHU_OIDC_PASSWORD=… VANTHU_OIDC_NAME='Đặng Thị Lan'
//   VANTHU_WEB_SHOTS=dir node e2e/oidc-flow.mjs
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { base, expectVisible, launch, openPage, shots, step } from './browser.mjs';

const user = process.env.VANTHU_OIDC_USER ?? 'vanthu1';
const password = process.env.VANTHU_OIDC_PASSWORD;
const name = process.env.VANTHU_OIDC_NAME ?? 'Đặng Thị Lan';
if (!password) throw new Error('VANTHU_OIDC_PASSWORD must be the demo people’s password');
mkdirSync(shots, { recursive: true });

async function toTheProvider(page) {
  await page.goto(base);
  await expectVisible(page.locator('.oidc').getByRole('button', { name: 'Đăng nhập' }), 'the provider’s sign-in button');
  await page.locator('.oidc').getByRole('button', { name: 'Đăng nhập' }).click();
  await expectVisible(page.locator('input[name="username"]'), 'the provider’s sign-in form', 30000);
}

const browser = await launch();
const outside = [];
try {
  const page = await openPage(browser, outside);

  await toTheProvider(page);
  step(`at the provider: ${new URL(page.url()).host}`);
  await page.screenshot({ path: join(shots, '01-nha-cung-cap.png') });
  await page.locator('input[name="username"]').fill(user);
  await page.locator('input[name="password"]').fill(password);
  await page.locator('input[name="password"]').press('Enter');

  try {
    await expectVisible(page.locator('header.top').getByText(name), `${name} signed in`, 30000);
  } catch (error) {
    await page.screenshot({ path: join(shots, '02-loi.png') });
    const shown = await page.locator('[role="alert"], .error, #input-error, .kc-feedback-text').allInnerTexts();
    throw new Error(`${error.message}; at ${page.url()}; the page says: ${shown.join(' | ')}`);
  }
  step(`signed in as ${name}`);
  await page.screenshot({ path: join(shots, '02-da-dang-nhap.png') });

  // The services take the provider's token: intake's document list answers the clerk.
  const answer = await page.evaluate(async () => {
    const session = JSON.parse(sessionStorage.getItem('vanthu.session') ?? 'null');
    const response = await fetch('/api/intake/v1/documents', { headers: { Authorization: `Bearer ${session.token}` } });
    return { status: response.status, issuer: JSON.parse(atob(session.token.split('.')[1].replace(/-/g, '+').replace(/_/g, '/'))).iss };
  });
  step(`intake answered ${answer.status} to a token of ${answer.issuer}`);
  if (answer.status !== 200) throw new Error(`intake refused the provider's token: ${answer.status}`);

  await page.getByRole('button', { name: 'Đăng xuất' }).click();
  await expectVisible(page.locator('.oidc').getByRole('button', { name: 'Đăng nhập' }), 'the sign-in page after signing out', 30000);
  step('signed out');

  // The provider's session ended as well: signing in again asks for the password.
  await toTheProvider(page);
  step('the provider asks for the password again');
  step('done');
} finally {
  await browser.close();
}
if (outside.length) throw new Error(`requests left the machine: ${outside.join(', ')}`);
