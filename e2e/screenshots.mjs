// `make screenshots`: the home page, a form page with errors, the queue and a case page, at
// phone and desktop widths, and the insights dashboards at desktop width, into screenshots/
// (not committed).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startPublica, totp } from "./support.mjs";

// The dashboards, staff pages first: (file name, path).
const INSIGHTS = [
  ["insights-overview", "/staff/insights/"],
  ["insights-performance", "/staff/insights/performance/"],
  ["insights-workload", "/staff/insights/workload/"],
  ["insights-hotspots", "/staff/insights/hotspots/"],
  ["insights-forecast", "/staff/insights/forecast/"],
  ["insights-public-performance", "/performance/"],
];

// A TOTP code is accepted once: wait for a fresh one before signing in again.
let lastCode = "";
async function freshCode(key) {
  while (totp(key) === lastCode) await new Promise((resolve) => setTimeout(resolve, 1000));
  lastCode = totp(key);
  return lastCode;
}

async function signIn(page, base, person) {
  await page.goto(`${base}/staff/sign-in/`);
  await page.getByLabel("Username").fill(person.username);
  await page.getByLabel("Password").fill(person.password);
  await page.getByRole("button", { name: "Continue" }).click();
  await page.getByLabel("Enter your security code").fill(await freshCode(person.totpKey));
  await page.getByRole("button", { name: "Continue" }).click();
}

// The demo's admin has no authenticator yet: enrol one as a new member of staff would, reading
// the key the page offers to type in instead of scanning the QR code.
async function enrolAdmin(page, base, password) {
  await page.goto(`${base}/staff/sign-in/`);
  await page.getByLabel("Username").fill("admin");
  await page.getByLabel("Password").fill(password);
  await page.getByRole("button", { name: "Continue" }).click();
  const key = base32ToHex((await page.locator("details code").textContent()).replace(/\s/g, ""));
  await page.getByLabel("Enter the 6-digit code the app shows").fill(await freshCode(key));
  await page.getByRole("button", { name: "Confirm" }).click();
}

function base32ToHex(text) {
  const alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";
  let bits = "";
  for (const letter of text.replace(/=+$/, "")) bits += alphabet.indexOf(letter).toString(2).padStart(5, "0");
  const bytes = bits.match(/.{8}/g).map((byte) => parseInt(byte, 2));
  return Buffer.from(bytes).toString("hex");
}

const out = join(new URL("..", import.meta.url).pathname, "screenshots");
mkdirSync(out, { recursive: true });
const publica = await startPublica();
const browser = await launch();
try {
  for (const [device, width, height] of [["phone", 375, 812], ["desktop", 1280, 900]]) {
    const context = await browser.newContext({ viewport: { width, height } });
    const page = await context.newPage();
    const shoot = (name) => page.screenshot({ path: join(out, `${name}-${device}.png`), fullPage: true });

    await page.goto(publica.base);
    await shoot("home");
    await page.goto(`${publica.base}/services/pothole/start/`);
    await page.getByRole("button", { name: "Continue" }).click();
    await shoot("form-errors");

    await signIn(page, publica.base, publica.staff);
    await shoot("queue");
    await page.locator("table a.govuk-link").first().click();
    await shoot("case");
    await context.close();
  }

  // The dashboards as the admin, who sees every department (a caseworker sees only their
  // own); the public page signed out, as a resident sees it.
  const context = await browser.newContext({ viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await enrolAdmin(page, publica.base, publica.staff.password);
  for (const [name, path] of INSIGHTS) {
    if (path === "/performance/") await context.clearCookies();
    const response = await page.goto(`${publica.base}${path}`);
    if (!response.ok()) throw new Error(`${path}: HTTP ${response.status()}`);
    await page.screenshot({ path: join(out, `${name}-desktop.png`), fullPage: true });
  }
  await context.close();
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  publica.stop();
}
