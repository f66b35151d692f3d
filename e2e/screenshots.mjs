// `make screenshots`: the home page, a form page with errors, the queue and a case page, at
// phone and desktop widths, into screenshots/ (not committed).
import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { launch, startPublica, totp } from "./support.mjs";

// A TOTP code is accepted once: wait for a fresh one before signing in again.
let lastCode = "";
async function freshCode(key) {
  while (totp(key) === lastCode) await new Promise((resolve) => setTimeout(resolve, 1000));
  lastCode = totp(key);
  return lastCode;
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

    await page.goto(`${publica.base}/staff/sign-in/`);
    await page.getByLabel("Username").fill(publica.staff.username);
    await page.getByLabel("Password").fill(publica.staff.password);
    await page.getByRole("button", { name: "Continue" }).click();
    await page.getByLabel("Enter your security code").fill(await freshCode(publica.staff.totpKey));
    await page.getByRole("button", { name: "Continue" }).click();
    await shoot("queue");
    await page.locator("table a.govuk-link").first().click();
    await shoot("case");
    await context.close();
  }
  console.log(`screenshots written to ${out}`);
} finally {
  await browser.close();
  publica.stop();
}
