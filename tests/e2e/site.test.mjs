// End-to-end test of a built mamoru manual in a real headless Chromium (Debian's `chromium`),
// driven by playwright-core. It builds nothing: `cargo test --test browser` builds the example
// site and runs this file with
//   MAMORU_SITE       the built site folder (index.html, criteria.html, pagefind/, ...)
//   MAMORU_ARTEFACTS  a folder for the screenshots (created if missing)
// By hand:
//   cargo run --release -- build --builtin --out /tmp/site
//   cd tests/e2e && npm ci && MAMORU_SITE=/tmp/site MAMORU_ARTEFACTS=/tmp/shots node --test site.test.mjs
//
// The site is served under a sub-path (http://127.0.0.1:PORT/manual/) to prove that every link
// is relative, and one browser context visits it the way a contact-centre operator would.

import { after, before, describe, it } from "node:test";
import assert from "node:assert/strict";
import { createServer } from "node:http";
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.MAMORU_CHROMIUM || "/usr/bin/chromium";
const SITE = process.env.MAMORU_SITE ? resolve(process.env.MAMORU_SITE) : "";
const ARTEFACTS = resolve(process.env.MAMORU_ARTEFACTS || "artefacts");
const PREFIX = "/manual/";
// A word of the example policy (policy/flows/phone.yaml, policy/definitions/hold.md, ...).
const QUERY = "保留";
const STEP_TIMEOUT = 10_000;

const TYPES = {
  ".html": "text/html; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".mjs": "text/javascript; charset=utf-8",
  ".json": "application/json; charset=utf-8",
  ".wasm": "application/wasm",
  ".svg": "image/svg+xml",
  ".png": "image/png",
  ".ico": "image/x-icon",
  ".txt": "text/plain; charset=utf-8",
};

function contentType(path) {
  const ext = extname(path).toLowerCase();
  // Pagefind's index: wasm.unknown.pagefind, *.pf_meta, *.pf_index, *.pf_fragment, *.pf_filter.
  if (ext === ".pagefind" || ext.startsWith(".pf_")) return "application/octet-stream";
  return TYPES[ext] || "application/octet-stream";
}

/** A tiny static server for SITE under PREFIX; anything else is a 404 (and a test failure). */
function serve(root) {
  const misses = [];
  const server = createServer(async (req, res) => {
    const url = new URL(req.url, "http://localhost");
    if (req.method !== "GET" && req.method !== "HEAD") {
      res.writeHead(405).end();
      return;
    }
    if (url.pathname === PREFIX.slice(0, -1)) {
      res.writeHead(301, { Location: PREFIX }).end();
      return;
    }
    let rel;
    try {
      rel = decodeURIComponent(url.pathname);
    } catch {
      rel = "";
    }
    if (!rel.startsWith(PREFIX)) {
      if (rel !== "/favicon.ico") misses.push(url.pathname);
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    rel = rel.slice(PREFIX.length);
    if (rel === "" || rel.endsWith("/")) rel += "index.html";
    const file = resolve(root, rel);
    if (!(file === root || file.startsWith(root + sep)) || !existsSync(file) || !statSync(file).isFile()) {
      misses.push(url.pathname);
      res.writeHead(404, { "Content-Type": "text/plain" }).end("not found");
      return;
    }
    const body = await readFile(file);
    res.writeHead(200, {
      "Content-Type": contentType(file),
      "Content-Length": body.length,
      "Cache-Control": "no-store",
    });
    res.end(req.method === "HEAD" ? undefined : body);
  });
  return new Promise((ok, fail) => {
    server.once("error", fail);
    server.listen(0, "127.0.0.1", () => ok({ server, misses }));
  });
}

describe("the built manual in Chromium", { timeout: 60_000 }, () => {
  let http, origin, base, browser, context, page, profile;
  const consoleErrors = [];
  const foreign = [];
  const failed = [];
  let allowFile = false;
  const probes = new Set();
  let caseUrl = null;
  // A page that declares no icon makes Chromium ask the server root for /favicon.ico by itself;
  // that probe is outside the manual but is the browser's doing, so it is reported, not failed.
  const isProbe = (url) => url === `${origin}/favicon.ico`;

  before(async () => {
    assert.ok(SITE, "MAMORU_SITE must name a built site folder (run via `cargo test --test browser`)");
    assert.ok(existsSync(join(SITE, "index.html")), `no index.html in MAMORU_SITE=${SITE}`);
    assert.ok(
      existsSync(CHROMIUM),
      `${CHROMIUM} is missing: run \`apt-get install -y chromium fonts-noto-cjk\``,
    );
    mkdirSync(ARTEFACTS, { recursive: true });

    http = await serve(SITE);
    origin = `http://127.0.0.1:${http.server.address().port}`;
    base = origin + PREFIX;

    profile = mkdtempSync(join(tmpdir(), "mamoru-e2e-profile-"));
    context = await chromium.launchPersistentContext(profile, {
      executablePath: CHROMIUM,
      headless: true,
      args: [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
      ],
      viewport: { width: 1280, height: 900 },
      locale: "ja-JP",
      timeout: STEP_TIMEOUT,
    });
    browser = context.browser();
    context.setDefaultTimeout(STEP_TIMEOUT);
    context.setDefaultNavigationTimeout(STEP_TIMEOUT);

    context.on("console", (msg) => {
      if (msg.type() === "error") {
        const loc = msg.location();
        if (isProbe(loc.url)) return probes.add(loc.url);
        consoleErrors.push(`${msg.text()} (${loc.url}:${loc.lineNumber})`);
      }
    });
    context.on("weberror", (err) => consoleErrors.push(`uncaught: ${err.error()}`));
    context.on("request", (req) => {
      const url = req.url();
      if (url.startsWith(base)) return;
      if (isProbe(url)) return probes.add(url);
      if (allowFile && url.startsWith("file://")) return;
      foreign.push(`${req.method()} ${url}`);
    });
    context.on("requestfailed", (req) => {
      // A navigation we start ourselves may be cut short by the next one; those are not bugs.
      const why = req.failure()?.errorText || "";
      if (why !== "net::ERR_ABORTED" && !isProbe(req.url())) failed.push(`${req.url()}: ${why}`);
    });
    context.on("response", (res) => {
      if (res.status() >= 400 && !isProbe(res.url())) failed.push(`${res.url()}: HTTP ${res.status()}`);
    });

    page = context.pages()[0] || (await context.newPage());
  });

  after(async () => {
    await context?.close().catch(() => {});
    await browser?.close().catch(() => {});
    if (http) await new Promise((ok) => http.server.close(ok));
    if (profile) rmSync(profile, { recursive: true, force: true });
  });

  async function shot(name) {
    await page.evaluate(() => document.fonts.ready);
    await page.screenshot({ path: join(ARTEFACTS, `${name}.png`), fullPage: true });
  }

  it("(a) home page: Japanese, styled, reachable under a sub-path", async () => {
    const res = await page.goto(base);
    assert.equal(res.status(), 200);
    assert.equal(await page.locator("html").getAttribute("lang"), "ja");
    assert.ok((await page.title()).length > 0, "the home page has a <title>");
    assert.ok(await page.locator("h1").first().isVisible(), "the home page has a visible h1");
    // The stylesheet was found through its relative link and parsed.
    const css = await page.evaluate(() =>
      [...document.styleSheets].some((s) => s.href && s.href.endsWith("assets/style.css") && s.cssRules.length > 0),
    );
    assert.ok(css, "assets/style.css loaded and parsed");
    await shot("home");
  });

  it("(b) criteria grid: clicking a case dot opens that case", async () => {
    await page.goto(base + "criteria.html");
    const grid = page.locator("svg.grid");
    await grid.waitFor({ state: "visible" });
    assert.ok((await grid.locator("g[id^='cell-']").count()) > 0, "the grid has cells");
    await shot("criteria");

    const dot = grid.locator("#cell-c1-d0 a.dot").first();
    const target = await dot.getAttribute("href");
    assert.match(target, /^cases\/[^/]+\.html$/, "dots link relatively into cases/");
    await Promise.all([page.waitForURL(base + target), dot.click()]);
    assert.ok(page.url().startsWith(base + "cases/"), `opened ${page.url()}`);
    const h1 = page.locator("h1").first();
    await h1.waitFor({ state: "visible" });
    assert.ok((await h1.innerText()).trim().length > 0, "the case page has a non-empty h1");
    caseUrl = page.url();
  });

  it("(c) case page: the flow link opens the flow diagram", async () => {
    if (page.url() !== caseUrl) await page.goto(caseUrl || base + "cases/c03-outage-angry.html");
    await shot("case");
    const link = page.locator("a.flow-link").first();
    const href = await link.getAttribute("href");
    assert.match(href, /^\.\.\/flows\/[^/]+\.html$/, "the flow link is relative");
    const flowUrl = new URL(href, page.url()).href;
    await Promise.all([page.waitForURL(flowUrl), link.click()]);
    assert.ok(page.url().startsWith(base + "flows/"), `opened ${page.url()}`);
    const svg = page.locator("svg.flow").first();
    await svg.waitFor({ state: "visible" });
    const box = await svg.boundingBox();
    assert.ok(box && box.width > 100 && box.height > 100, `the flow SVG is drawn (${JSON.stringify(box)})`);
    assert.ok((await page.locator("section[id^='step-'], [id^='step-']").count()) > 0, "the flow has step sections");
    await shot("flow");
  });

  it(`(d) search: 「${QUERY}」 finds pages that contain it`, async () => {
    await page.goto(base + "search.html");
    await page.locator("#q").fill(QUERY);
    await page.locator("#search-form button[type=submit]").click();
    const links = page.locator("#search-results li a");
    await links.first().waitFor({ state: "visible" });
    const status = await page.locator("#search-status").innerText();
    assert.ok(status.includes(QUERY), `status names the query: ${status}`);
    await shot("search");

    const hrefs = await links.evaluateAll((as) => as.map((a) => a.href));
    assert.ok(hrefs.length > 0);
    for (const h of hrefs) assert.ok(h.startsWith(base), `result ${h} stays inside the manual`);
    // Fetch the results from the test server (not the browser) to see which really hold the word.
    const holding = [];
    for (const h of hrefs) {
      const text = await (await fetch(h)).text();
      if (text.includes(QUERY)) holding.push(h);
    }
    assert.ok(holding.length > 0, `no result page contains ${QUERY}: ${hrefs.join(", ")}`);

    // And a reader can follow the first such result.
    const first = links.and(page.locator(`[href="${holding[0]}"]`)).first();
    await Promise.all([page.waitForURL(holding[0].replace(/#.*$/, "") + "**"), first.click()]);
    assert.ok((await page.locator("body").innerText()).includes(QUERY), `${page.url()} shows ${QUERY}`);
  });

  it("(e) search opened as a file says plainly that it cannot search", async () => {
    allowFile = true;
    try {
      await page.goto(pathToFileURL(join(SITE, "search.html")).href);
      const status = page.locator("#search-status");
      await assert.doesNotReject(status.filter({ hasText: "ファイル" }).waitFor({ state: "visible" }));
      assert.ok(await page.locator("#q").isDisabled(), "the search box is disabled on file://");
    } finally {
      await page.goto("about:blank");
      allowFile = false;
    }
  });

  it("(g) narrow screen: home page at 400px", async () => {
    await page.setViewportSize({ width: 400, height: 900 });
    try {
      await page.goto(base);
      await shot("home-narrow");
      const wide = await page.evaluate(() => document.documentElement.scrollWidth);
      assert.ok(wide <= 400, `the home page scrolls sideways at 400px (scrollWidth ${wide})`);
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  // The criteria table scrolls inside its own box; the page itself must not widen.
  it(
    "(g) narrow screen: criteria page at 400px does not scroll sideways",
    async () => {
      await page.setViewportSize({ width: 400, height: 900 });
      try {
        await page.goto(base + "criteria.html");
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(wide <= 400, `criteria.html scrolls sideways at 400px (scrollWidth ${wide})`);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    },
  );

  it("(f) no console errors, no requests outside the manual, no failed loads", (t) => {
    if (probes.size > 0) {
      t.diagnostic("Chromium probed /favicon.ico at the server root (the pages declare no <link rel=icon>)");
    }
    // One comparison, so that a failure lists every kind of problem at once.
    const problems = {
      consoleErrors,
      requestsOutsideTheManual: foreign,
      failedRequests: failed,
      pathsTheServerDidNotHave: http.misses,
    };
    const none = Object.fromEntries(Object.keys(problems).map((k) => [k, []]));
    assert.deepEqual(problems, none, `problems seen while browsing ${base}`);
  });
});
