// The resident and caseworker journey through a real browser, checked with axe-core on
// every page it visits.
import { after, before, test } from "node:test";
import assert from "node:assert/strict";
import { accessibilityViolations, hasChromium, launch, startPublica, totp } from "./support.mjs";

let publica;
let browser;
const checked = [];

async function visit(page, label) {
  const violations = await accessibilityViolations(page);
  checked.push(label);
  assert.deepEqual(violations, [], `accessibility violations on ${label}`);
}

before(async () => {
  if (!hasChromium()) throw new Error("Chromium is missing: run `make e2e-deps` (apt-get install chromium)");
  publica = await startPublica();
  browser = await launch();
});

after(async () => {
  await browser?.close();
  publica?.stop();
});

test("a resident applies for a parking permit and a caseworker with TOTP approves it", async () => {
  const resident = await (await browser.newContext({ bypassCSP: true })).newPage();
  await resident.goto(publica.base);
  await visit(resident, "home");

  await resident.getByLabel("What do you need to do?").fill("park my car");
  await resident.getByRole("button", { name: "Search" }).click();
  await visit(resident, "search results");
  await resident.getByRole("link", { name: "Apply for a resident parking permit" }).first().click();
  await visit(resident, "service page");
  await resident.getByRole("button", { name: "Start now" }).click();

  await resident.getByLabel("House number or name").fill("9");
  await resident.getByLabel("Street").fill("Kiln Lane");
  await resident.getByLabel("Postcode").fill("nonsense");
  await resident.getByRole("button", { name: "Continue" }).click();
  await assert.doesNotReject(resident.getByText("There is a problem").waitFor());
  await visit(resident, "form page with an error");
  await resident.getByLabel("Postcode").fill("MB1 2AA");
  await resident.getByRole("button", { name: "Continue" }).click();

  await visit(resident, "vehicle page");
  await resident.getByLabel("Vehicle registration number").fill("MB24 XYZ");
  await resident.getByLabel("Yes").check();
  await resident.getByRole("button", { name: "Continue" }).click();

  await visit(resident, "check answers");
  await resident.getByLabel("Email address (optional)").fill("e2e-resident@example.org");
  await resident.getByRole("button", { name: "Accept and send" }).click();
  const reference = (await resident.locator(".govuk-panel__body strong").textContent()).trim();
  assert.match(reference, /^PKP-\d{4}-\d{6}$/);
  await visit(resident, "confirmation");

  const staff = await (await browser.newContext({ bypassCSP: true })).newPage();
  await staff.goto(`${publica.base}/staff/`);
  await visit(staff, "staff sign in");
  await staff.getByLabel("Username").fill(publica.staff.username);
  await staff.getByLabel("Password").fill(publica.staff.password);
  await staff.getByRole("button", { name: "Continue" }).click();
  await visit(staff, "security code");
  await staff.getByLabel("Enter your security code").fill(totp(publica.staff.totpKey));
  await staff.getByRole("button", { name: "Continue" }).click();

  await staff.getByLabel("Reference, name or text").fill(reference);
  await staff.getByRole("button", { name: "Apply filters" }).click();
  await visit(staff, "queue");
  await staff.getByRole("link", { name: reference }).click();
  await visit(staff, "case page");
  await staff.getByRole("button", { name: "Issue permit" }).click();
  await assert.doesNotReject(staff.getByText("Case moved on.").waitFor());
  for (const [path, label] of [["/staff/insights/", "backlog dashboard"],
                               ["/staff/insights/performance/", "performance dashboard"],
                               ["/staff/insights/workload/", "workload dashboard"],
                               ["/staff/insights/hotspots/", "hotspot map"],
                               ["/staff/insights/forecast/", "forecast"]]) {
    await staff.goto(`${publica.base}${path}`);
    await assert.doesNotReject(staff.getByRole("heading", { level: 1 }).waitFor());
    await visit(staff, label);
  }

  await resident.goto(`${publica.base}/cases/${reference}/`);
  await assert.doesNotReject(resident.getByText("Approved", { exact: true }).waitFor());
  await visit(resident, "tracking page");

  // The approval is on the public ledger, found by the case reference and nothing personal.
  await resident.getByRole("link", { name: /^Entry \d+$/ }).first().click();
  await assert.doesNotReject(resident.getByText(new RegExp(`\\d+ decisions? on ${reference}`)).waitFor());
  await visit(resident, "transparency ledger");
  assert.ok(checked.length >= 18, `checked ${checked.length} pages`);
});

test("a verified resident lets the council fetch their details, then sees who used them", async () => {
  const resident = await (await browser.newContext({ bypassCSP: true })).newPage();
  await resident.goto(`${publica.base}/account/sign-in/`);
  await resident.getByLabel("Username").fill("resident01");
  await resident.getByLabel("Password").fill(publica.staff.password);  // every demo person's
  await resident.getByRole("button", { name: "Sign in" }).click();
  await resident.goto(`${publica.base}/services/parking-permit/`);
  await resident.getByRole("button", { name: "Start now" }).click();
  await assert.doesNotReject(resident.getByRole("heading", { name: "May we fetch your details?" }).waitFor());
  await visit(resident, "consent question");
  await resident.getByLabel("Yes, fetch my details").check();
  await resident.getByRole("button", { name: "Continue" }).click();
  await assert.doesNotReject(resident.getByText("From the Population register").first().waitFor());
  await visit(resident, "address from the register");
  await resident.getByRole("button", { name: "Continue" }).click();
  await visit(resident, "vehicle filled in from the register");
  await resident.getByLabel("Yes").check();
  await resident.getByRole("button", { name: "Continue" }).click();
  await visit(resident, "check answers with their sources");
  await resident.getByRole("button", { name: "Accept and send" }).click();
  const reference = (await resident.locator(".govuk-panel__body strong").textContent()).trim();
  await resident.goto(`${publica.base}/cases/${reference}/`);
  await assert.doesNotReject(resident.getByText("Approved", { exact: true }).waitFor());

  await resident.goto(`${publica.base}/account/data/`);
  await assert.doesNotReject(resident.getByText(reference).first().waitFor());
  await visit(resident, "who has used my data");
  await resident.goto(`${publica.base}/account/consents/`);
  await visit(resident, "consents");
  await resident.getByRole("button", { name: /Withdraw consent/ }).click();
  await assert.doesNotReject(resident.getByText("Withdrawn", { exact: true }).waitFor());
});

test("a resident asks for help in their own words and describes a problem", async () => {
  const resident = await (await browser.newContext({ bypassCSP: true })).newPage();
  await resident.goto(`${publica.base}/help`);
  await visit(resident, "help");
  await resident.getByLabel("What do you need help with?").fill("theres a massive hole in the road outside number 12");
  await resident.getByRole("button", { name: "Ask" }).click();
  await assert.doesNotReject(resident.getByRole("button", { name: /Start now/ }).first().waitFor());
  await visit(resident, "help answer");

  await resident.goto(`${publica.base}/report/`);
  await visit(resident, "describe the problem");
  await resident.getByRole("button", { name: "Find the right service" }).click();
  await assert.doesNotReject(resident.getByText("There is a problem").waitFor());
  await visit(resident, "describe the problem with an error");
});

test("pages fit a 320 px wide screen without sideways scrolling", async () => {
  const context = await browser.newContext({ viewport: { width: 320, height: 640 } });
  const page = await context.newPage();
  for (const path of ["/", "/services/pothole/", "/services/pothole/start/", "/track/", "/account/sign-in/",
                      "/transparency/ledger", "/help", "/report/", "/opendata/",
                      "/opendata/datasets/service-requests/", "/opendata/budget/", "/opendata/ocds/",
                      "/performance/"]) {
    await page.goto(`${publica.base}${path}`);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 320, `${path} is ${width}px wide`);
  }
  await context.close();
});

test("anyone reads the open data and the performance page: datasets, budgets, projects, contracts", async () => {
  const reader = await (await browser.newContext({ bypassCSP: true })).newPage();
  await reader.goto(`${publica.base}/opendata/`);
  await visit(reader, "open data");
  await reader.getByRole("link", { name: "Service requests" }).click();
  await assert.doesNotReject(reader.getByRole("table", { name: "Columns" }).waitFor());
  await visit(reader, "a dataset");
  for (const [path, label] of [["/opendata/budget/", "budget against spending"],
                               ["/opendata/spending/", "payments"],
                               ["/opendata/projects/", "projects"],
                               ["/opendata/ocds/", "contracts"],
                               ["/performance/", "how our services are doing"]]) {
    await reader.goto(`${publica.base}${path}`);
    await visit(reader, label);
  }
  await reader.goto(`${publica.base}/opendata/projects/`);
  await reader.locator("main a[href^='/opendata/projects/']").first().click();
  await visit(reader, "a project");
  const catalogue = await reader.request.get(`${publica.base}/opendata/catalog.ttl`);
  assert.match(await catalogue.text(), /dcat:Catalog/);
});
