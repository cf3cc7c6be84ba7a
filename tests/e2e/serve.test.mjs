// End-to-end test of `mamoru serve` in a real headless Chromium (Debian's `chromium`), driven by
// playwright-core. `cargo test --test serve` runs it with
//   MAMORU_BIN        the mamoru binary
//   MAMORU_POLICY     a scratch copy of a policy folder (this test edits it)
//   MAMORU_ARTEFACTS  a folder for screenshots and timings (timings.json)
// By hand:
//   cp -r tests/fixtures/mini /tmp/p && MAMORU_BIN=target/release/mamoru MAMORU_POLICY=/tmp/p \
//     MAMORU_ARTEFACTS=/tmp/shots node --test tests/e2e/serve.test.mjs
//
// An author edits the policy as editors save files — a plain write, an atomic save (write a
// temporary file, rename it over the original), a broken file then fixed, a deleted file and a
// renamed one — and the open page must show each change by itself.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { spawn } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync, unlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.MAMORU_CHROMIUM || "/usr/bin/chromium";
const BIN = process.env.MAMORU_BIN || "";
const POLICY = process.env.MAMORU_POLICY || "";
const ARTEFACTS = process.env.MAMORU_ARTEFACTS || "artefacts";
// A debug build renders a small policy in a few seconds; this is a ceiling, not the measure.
const CHANGE_TIMEOUT = 60_000;

function edit(rel, find, replace) {
  const path = join(POLICY, rel);
  const text = readFileSync(path, "utf8");
  assert.ok(text.includes(find), `${rel} does not contain ${find}`);
  return text.replace(find, replace);
}

/** An editor's atomic save: a temporary file in the same folder, renamed over the original. */
function atomicSave(rel, text) {
  const path = join(POLICY, rel);
  const tmp = join(POLICY, rel.replace(/[^/]+$/, ".mamoru-e2e.tmp"));
  writeFileSync(tmp, text);
  renameSync(tmp, path);
}

describe("mamoru serve in Chromium", { timeout: 300_000 }, () => {
  let server, origin, context, page, profile;
  let log = "";
  const timings = {};

  before(async () => {
    assert.ok(BIN && POLICY, "MAMORU_BIN and MAMORU_POLICY must be set (run via `cargo test --test serve`)");
    mkdirSync(ARTEFACTS, { recursive: true });
    server = spawn(BIN, ["serve", POLICY, "--port", "0", "--lang", "ja"], { stdio: ["ignore", "ignore", "pipe"] });
    origin = await new Promise((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`mamoru serve did not start:\n${log}`)), 120_000);
      server.stderr.on("data", (chunk) => {
        log += chunk;
        const m = log.match(/http:\/\/127\.0\.0\.1:(\d+)\//);
        if (m) {
          clearTimeout(timer);
          ok(`http://127.0.0.1:${m[1]}`);
        }
      });
      server.on("exit", (code) => fail(new Error(`mamoru serve exited (${code}):\n${log}`)));
    });
    profile = mkdtempSync(join(tmpdir(), "mamoru-serve-e2e-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1000, height: 300 },
      locale: "ja-JP",
    });
    context.setDefaultTimeout(15_000);
    page = context.pages()[0] || (await context.newPage());
  });

  after(async () => {
    writeFileSync(join(ARTEFACTS, "serve-timings.json"), JSON.stringify(timings, null, 2));
    await context?.close().catch(() => {});
    server?.kill();
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  /** A heading with exactly this text (a step's title on a flow page). */
  const heading = (name) => page.getByRole("heading", { name, exact: true }).first();

  /** Write, then time until the page shows what `shown` waits for. */
  async function timed(name, write, shown) {
    const t0 = Date.now();
    write();
    await shown();
    timings[name] = Date.now() - t0;
    return timings[name];
  }

  it("a saved edit shows in the open page, at the same scroll position", async () => {
    await page.goto(`${origin}/cases/a.html`);
    const max = await page.evaluate(() => document.documentElement.scrollHeight - window.innerHeight);
    assert.ok(max > 150, `the case page must be taller than the window to test scrolling (${max})`);
    await page.evaluate(() => window.scrollTo(0, 150));
    await page.waitForFunction(() => window.scrollY === 150);
    const text = edit("cases/a.md", "title: 事例 a", "title: 事例 a（加筆）");
    const nav = page.waitForEvent("load", { timeout: CHANGE_TIMEOUT });
    const ms = await timed("plain write → page shows it", () => writeFileSync(join(POLICY, "cases/a.md"), text), async () => {
      await nav;
      await page.getByText("事例 a（加筆）").first().waitFor({ timeout: CHANGE_TIMEOUT });
    });
    console.log(`plain write → Chromium shows the change: ${ms} ms`);
    await page.waitForFunction(() => window.scrollY === 150, null, { timeout: 5_000 });
    await page.screenshot({ path: join(ARTEFACTS, "serve-edit.png") });
  });

  it("survives an editor's atomic save (temporary file renamed over the original)", async () => {
    await page.goto(`${origin}/flows/phone.html`);
    await heading("傾聴").waitFor();
    for (const [i, title] of ["傾聴と確認", "傾聴と事実確認"].entries()) {
      const before = i === 0 ? "title: 傾聴\n" : "title: 傾聴と確認\n";
      const text = edit("flows/phone.yaml", before, `title: ${title}\n`);
      const ms = await timed(`atomic save ${i + 1} → page shows it`, () => atomicSave("flows/phone.yaml", text), () =>
        heading(title).waitFor({ timeout: CHANGE_TIMEOUT }),
      );
      console.log(`atomic save ${i + 1} → Chromium shows the change: ${ms} ms`);
    }
  });

  it("shows a broken policy's errors over the last good page, and clears them when fixed", async () => {
    await page.goto(`${origin}/flows/phone.html`);
    const good = readFileSync(join(POLICY, "flows/phone.yaml"), "utf8");
    const broken = good.replace("role: operator", "role: operater");
    const overlay = page.locator("#mamoru-errors");
    await timed("broken file → overlay", () => atomicSave("flows/phone.yaml", broken), () =>
      overlay.waitFor({ state: "visible", timeout: CHANGE_TIMEOUT }),
    );
    const text = await overlay.innerText();
    assert.match(text, /E201/);
    assert.match(text, /flows\/phone\.yaml:\d+:\d+/);
    assert.match(text, /operater/);
    assert.match(text, /エラーがあります/, "the overlay speaks the author's language (--lang ja)");
    // The last good manual is still underneath.
    assert.ok(await heading("傾聴と事実確認").isVisible());
    await page.screenshot({ path: join(ARTEFACTS, "serve-overlay.png") });
    // A page opened while the policy is broken shows the overlay too.
    const other = await context.newPage();
    await other.goto(`${origin}/index.html`);
    await other.locator("#mamoru-errors").waitFor({ state: "visible" });
    await timed("fixed file → overlay gone", () => writeFileSync(join(POLICY, "flows/phone.yaml"), good), () =>
      overlay.waitFor({ state: "detached", timeout: CHANGE_TIMEOUT }),
    );
    await other.locator("#mamoru-errors").waitFor({ state: "detached", timeout: CHANGE_TIMEOUT });
    await other.close();
  });

  it("follows a deleted file and one renamed away and back", async () => {
    await page.goto(`${origin}/cases/b.html`);
    const title = await page.locator("h1").first().innerText();
    const path = join(POLICY, "cases/b.md");
    const kept = readFileSync(path);
    await timed("deleted case → its page is gone", () => unlinkSync(path), () =>
      page.getByText("ページがありません").first().waitFor({ timeout: CHANGE_TIMEOUT }),
    );
    await timed("restored case → its page is back", () => writeFileSync(path, kept), () =>
      page.getByRole("heading", { name: title }).first().waitFor({ timeout: CHANGE_TIMEOUT }),
    );
    // Renamed out of cases/ (a backup) and back.
    const aside = join(POLICY, "b.md.bak");
    renameSync(path, aside);
    await page.getByText("ページがありません").first().waitFor({ timeout: CHANGE_TIMEOUT });
    renameSync(aside, path);
    await page.getByRole("heading", { name: title }).first().waitFor({ timeout: CHANGE_TIMEOUT });
  });

  it("refuses paths outside the site", async () => {
    for (const p of ["/..%2f..%2fetc%2fpasswd", "/%2e%2e/policy.yaml", "/cases/%2e%2e/%2e%2e/policy.yaml", "/a%5c..%5cpolicy.yaml"]) {
      const res = await page.request.get(origin + p);
      // Chromium's URL parser already drops some `..` segments; what reaches the server is refused.
      assert.ok([400, 403, 404].includes(res.status()), `${p}: HTTP ${res.status()}`);
      assert.doesNotMatch(await res.text(), /^id:|root:/m);
    }
    // The policy's own files are not part of the site.
    assert.equal((await page.request.get(`${origin}/policy.yaml`)).status(), 404);
    assert.equal((await page.request.get(`${origin}/bundle.json`)).status(), 200);
  });
});
