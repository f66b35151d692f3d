// Shared pieces of the browser tests: a real Publica server, Chromium, TOTP and axe-core.
import { spawn, execFileSync } from "node:child_process";
import { createHmac } from "node:crypto";
import { mkdtempSync, readFileSync, existsSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createRequire } from "node:module";
import { chromium } from "playwright-core";

const require = createRequire(import.meta.url);
const root = new URL("..", import.meta.url).pathname;
const python = join(root, ".venv", "bin", "python");
const publica = join(root, ".venv", "bin", "publica");
export const CHROMIUM = process.env.CHROMIUM_PATH || "/usr/bin/chromium";
const AXE_SOURCE = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");
// WCAG 2.2 AA and everything below it.
const WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"];

function freePort() {
  return new Promise((resolve) => {
    const server = createServer();
    server.listen(0, "127.0.0.1", () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/** A Publica with the demo loaded, served by `publica serve` on its own SQLite file. */
export async function startPublica() {
  const dataDir = mkdtempSync(join(tmpdir(), "publica-e2e-"));
  const env = { ...process.env, PUBLICA_DATA_DIR: dataDir, PUBLICA_SERVE_WORKERS: "2", PUBLICA_LOG_LEVEL: "WARNING" };
  delete env.DATABASE_URL;
  const prepared = JSON.parse(
    execFileSync(python, [join(root, "e2e", "prepare.py")], { env, encoding: "utf8" }).trim().split("\n").pop(),
  );
  const port = await freePort();
  const server = spawn(publica, ["serve", "--port", String(port)], { env, stdio: "ignore" });
  const base = `http://127.0.0.1:${port}`;
  for (let attempt = 0; attempt < 150; attempt++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) break;
    } catch {
      await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  return { base, staff: prepared, stop: () => server.kill("SIGTERM") };
}

export function hasChromium() {
  return existsSync(CHROMIUM);
}

export function launch() {
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
      "--disable-background-networking", "--disable-component-update", "--disable-sync",
    ],
  });
}

/** RFC 6238 TOTP (SHA-1, 30 s, 6 digits) for a hex key, as an authenticator app computes it. */
export function totp(hexKey, now = Date.now()) {
  const counter = Buffer.alloc(8);
  counter.writeBigUInt64BE(BigInt(Math.floor(now / 1000 / 30)));
  const digest = createHmac("sha1", Buffer.from(hexKey, "hex")).update(counter).digest();
  const offset = digest[digest.length - 1] & 0xf;
  const code = (digest.readUInt32BE(offset) & 0x7fffffff) % 1_000_000;
  return String(code).padStart(6, "0");
}

/** axe-core's WCAG 2.2 AA violations on the page as it is now. */
export async function accessibilityViolations(page) {
  await page.evaluate(AXE_SOURCE);
  const results = await page.evaluate(
    (tags) => window.axe.run(document, { runOnly: { type: "tag", values: tags } }),
    WCAG_TAGS,
  );
  return results.violations.map((v) => `${v.id}: ${v.help} (${v.nodes.map((n) => n.target).join(", ")})`);
}
