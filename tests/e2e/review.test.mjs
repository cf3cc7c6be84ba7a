// End-to-end test of a `mamoru review` report in headless Chromium (Debian's `chromium`), driven
// by playwright-core. `cargo test --test browser` builds the example manual into ROOT/public,
// reviews generated exports into ROOT/reviews/2026-W48 (linking to the manual beside it) and runs
// this file with
//   MAMORU_REVIEW_ROOT  the folder holding public/ and reviews/
//   MAMORU_ARTEFACTS    a folder for the screenshots
// ROOT is served under a sub-path, so every link of the report must be relative and resolve.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.MAMORU_CHROMIUM || "/usr/bin/chromium";
const ROOT = process.env.MAMORU_REVIEW_ROOT ? resolve(process.env.MAMORU_REVIEW_ROOT) : "";
const ARTEFACTS = resolve(process.env.MAMORU_ARTEFACTS || "artefacts");
const PREFIX = "/qa/";
const REPORT = "reviews/2026-W48/index.html";
const TYPES = { ".html": "text/html; charset=utf-8", ".css": "text/css; charset=utf-8", ".js": "text/javascript", ".json": "application/json", ".svg": "image/svg+xml" };

function serve(root) {
  const misses = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    let rel = decodeURIComponent(url.pathname);
    if (!rel.startsWith(PREFIX)) {
      if (rel !== "/favicon.ico") misses.push(url.pathname);
      return res.writeHead(404).end();
    }
    rel = rel.slice(PREFIX.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = resolve(root, rel);
    if (!file.startsWith(root + sep) || !existsSync(file) || !statSync(file).isFile()) {
      misses.push(url.pathname);
      return res.writeHead(404).end();
    }
    const body = await readFile(file);
    res.writeHead(200, { "Content-Type": TYPES[extname(file)] || "application/octet-stream", "Cache-Control": "no-store" });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((ok) => server.listen(0, "127.0.0.1", () => ok({ server, misses })));
}

describe("the weekly review report in Chromium", { timeout: 60_000 }, () => {
  let http, base, context, page, profile;
  const problems = [];

  before(async () => {
    assert.ok(ROOT && existsSync(join(ROOT, REPORT)), `no ${REPORT} under MAMORU_REVIEW_ROOT=${ROOT}`);
    mkdirSync(ARTEFACTS, { recursive: true });
    http = await serve(ROOT);
    base = `http://127.0.0.1:${http.server.address().port}${PREFIX}`;
    profile = mkdtempSync(join(tmpdir(), "mamoru-review-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"],
      viewport: { width: 1280, height: 900 },
      locale: "ja-JP",
    });
    context.setDefaultTimeout(10_000);
    context.on("console", (m) => m.type() === "error" && problems.push(`console: ${m.text()}`));
    context.on("weberror", (e) => problems.push(`uncaught: ${e.error()}`));
    context.on("request", (r) => {
      if (!r.url().startsWith(base) && !r.url().endsWith("/favicon.ico")) problems.push(`outside: ${r.url()}`);
    });
    context.on("response", (r) => r.status() >= 400 && !r.url().endsWith("/favicon.ico") && problems.push(`${r.status()} ${r.url()}`));
    page = context.pages()[0] || (await context.newPage());
  });

  after(async () => {
    await context?.close().catch(() => {});
    if (http) await new Promise((ok) => http.server.close(ok));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  it("opens styled, with the headline, the kappa chart and the heat map", async () => {
    const res = await page.goto(base + REPORT);
    assert.equal(res.status(), 200);
    assert.match(await page.locator("h1").innerText(), /週次レビュー/);
    const sheets = await page.evaluate(() =>
      [...document.styleSheets].filter((s) => s.href && s.cssRules.length > 0).map((s) => s.href.split("/").pop()),
    );
    assert.ok(sheets.includes("style.css") && sheets.includes("review.css"), `stylesheets: ${sheets}`);
    for (const sel of ["svg.kappa-bars", "svg.grid"]) {
      const box = await page.locator(sel).first().boundingBox();
      assert.ok(box && box.width > 200 && box.height > 100, `${sel} is drawn (${JSON.stringify(box)})`);
    }
    assert.ok((await page.locator("svg.grid g[id^='cell-']").count()) >= 4, "the heat map has cells");
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(ARTEFACTS, "review.png"), fullPage: true });
  });

  it("a disagreement dot leads to its row, whose verdict links to the manual's paragraph", async () => {
    await page.goto(base + REPORT);
    const dot = page.locator("svg.grid a.dot").first();
    const href = await dot.getAttribute("href");
    assert.match(href, /^#d-\d+$/);
    await dot.click();
    assert.ok(page.url().endsWith(href), page.url());
    const row = page.locator(`tr${href}`);
    assert.ok(await row.isVisible(), "the row is shown");
    const link = row.locator("td a").first();
    const target = new URL(await link.getAttribute("href"), page.url()).href;
    assert.ok(target.startsWith(base + "public/criteria.html#"), target);
    await Promise.all([page.waitForURL(target), link.click()]);
    const anchor = decodeURIComponent(new URL(target).hash.slice(1));
    assert.ok(await page.locator(`[id="${anchor}"]`).count(), `the manual has #${anchor}`);
  });

  it("every link of the report resolves, anchors included", async () => {
    await page.goto(base + REPORT);
    // SVG links too (their `.href` is not a string): resolve the attribute against the page.
    const hrefs = await page
      .locator("a[href]")
      .evaluateAll((as) => as.map((a) => new URL(a.getAttribute("href"), document.baseURI).href));
    assert.ok(hrefs.length > 10);
    const pages = new Map();
    for (const h of hrefs) {
      const u = new URL(h);
      assert.ok(h.startsWith(base), `${h} stays under the served folder`);
      const key = u.origin + u.pathname;
      if (!pages.has(key)) {
        const r = await fetch(key);
        assert.equal(r.status, 200, `${key}`);
        pages.set(key, await r.text());
      }
      if (u.hash) {
        const id = decodeURIComponent(u.hash.slice(1));
        assert.ok(pages.get(key).includes(`id="${id}"`), `${h}: no element with id ${id}`);
      }
    }
  });

  it("reads at 400px without scrolling sideways", async () => {
    await page.setViewportSize({ width: 400, height: 900 });
    await page.goto(base + REPORT);
    const wide = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(wide <= 400, `scrollWidth ${wide}`);
    await page.screenshot({ path: join(ARTEFACTS, "review-narrow.png"), fullPage: true });
    await page.setViewportSize({ width: 1280, height: 900 });
  });

  it("no console errors, no failed or outside requests", () => {
    assert.deepEqual({ problems, misses: http.misses }, { problems: [], misses: [] });
  });
});
