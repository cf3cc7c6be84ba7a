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
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync } from "node:fs";
import { readFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import { extname, join, resolve, sep } from "node:path";
import { pathToFileURL } from "node:url";
import { spawnSync } from "node:child_process";
import { chromium } from "playwright-core";

const CHROMIUM = process.env.MAMORU_CHROMIUM || "/usr/bin/chromium";
const SITE = process.env.MAMORU_SITE ? resolve(process.env.MAMORU_SITE) : "";
const ARTEFACTS = resolve(process.env.MAMORU_ARTEFACTS || "artefacts");
const PREFIX = "/manual/";
// A word of the example policy (policy/flows/phone.yaml, policy/definitions/hold.md, ...).
const QUERY = "保留";
const NAVI = process.env.MAMORU_NAVI ? JSON.parse(readFileSync(process.env.MAMORU_NAVI, "utf8")) : { sites: [] };
const AXE = new URL("./node_modules/axe-core/axe.min.js", import.meta.url).pathname;
const GOLDEN = JSON.parse(readFileSync(new URL("./queries.json", import.meta.url), "utf8")).queries;
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

describe("the built manual in Chromium", { timeout: 540_000 }, () => {
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

  it(`(d) search: 「${QUERY}」 from the header finds pages that contain it and marks it there`, async () => {
    await page.goto(base + "criteria.html");
    await page.locator("#q-top").fill(QUERY);
    const links = page.locator("#q-top-results a");
    await links.first().waitFor({ state: "visible" });
    await shot("search-header");
    const hrefs = await links.evaluateAll((as) => as.map((a) => a.href));
    for (const h of hrefs) assert.ok(h.startsWith(base), `result ${h} stays inside the manual`);
    // The first result opens its section with the word marked.
    await Promise.all([page.waitForURL(hrefs[0].replace(/#.*$/, "") + "**"), links.first().click()]);
    const mark = page.locator("mark").first();
    await mark.waitFor({ state: "visible" });
    assert.ok((await page.locator("mark").count()) > 0, `${page.url()} marks the hit`);
    // And the search page lists results with excerpts.
    await page.goto(base + "search.html?q=" + encodeURIComponent(QUERY));
    await page.locator("#search-results li a").first().waitFor({ state: "visible" });
    const status = await page.locator("#search-status").innerText();
    assert.ok(status.includes(QUERY), `status names the query: ${status}`);
    await shot("search");
  });

  it("(e) search works from file:// too (the index is loaded by script tags)", async () => {
    allowFile = true;
    try {
      await page.goto(pathToFileURL(join(SITE, "search.html")).href + "?q=" + encodeURIComponent("怒鳴る"));
      await page.locator("#search-results li a").first().waitFor({ state: "visible" });
      const first = await page.locator("#search-results li a").first().getAttribute("href");
      assert.match(first, /^file:\/\//, `results link to files: ${first}`);
    } finally {
      await page.goto("about:blank");
      allowFile = false;
    }
  });

  it("(i) golden queries: the expected sections are among the first three results", async () => {
    await page.goto(base + "index.html");
    const missed = [];
    let hits = 0, total = 0;
    for (const { q, expect } of GOLDEN) {
      const urls = (await page.evaluate((q) => window.mamoruSearch.search(q, 3), q)).map((r) => r.url);
      for (const e of expect) {
        total++;
        if (urls.some((u) => (e.includes("#") ? u === e : u.split("#")[0] === e))) hits++;
        else missed.push(`${q} → ${e} (got ${urls.join(", ")})`);
      }
    }
    console.log(`golden queries: ${hits}/${total} expected sections in the top 3`);
    assert.deepEqual(missed, [], `${missed.length} of ${total} expected results missing`);
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

  it("(g) narrow screen: flow pages and the header fit 400px", async () => {
    await page.setViewportSize({ width: 400, height: 800 });
    try {
      for (const path of ["flows/phone.html", "flows/written.html", "cases/h01-abusive-valid-demand.html", "print.html"]) {
        await page.goto(base + path);
        const wide = await page.evaluate(() => document.documentElement.scrollWidth);
        assert.ok(wide <= 400, `${path} scrolls sideways at 400px (scrollWidth ${wide})`);
      }
      await page.goto(base + "flows/phone.html");
      const header = await page.locator("header.top").boundingBox();
      assert.ok(header.height <= 64, `the header is compact (${header.height}px)`);
      // Every diagram is shown within the column; a flow of ordinary size is drawn for it (the
      // 29-step phone flow of example 2.0 is drawn wider and scaled down: a known limit).
      const svg = await page.locator("svg.flow").boundingBox();
      assert.ok(svg.width <= 368, `the diagram is shown within the column (${svg.width}px)`);
      await page.goto(base + "flows/written.html");
      const natural = await page.locator("svg.flow").evaluate((e) => +e.getAttribute("width"));
      assert.ok(natural <= 372, `the diagram fits the column (${natural}px drawn)`);
      await shot("flow-narrow");
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
  });

  // The decision aid against the engine: for every cell of every site, the verdict shown is
  // the one `classify` gives, and so is the flow for each channel. The second site is opened
  // from file:// (its data is inlined, nothing is fetched).
  for (const site of NAVI.sites || []) {
    it(`(h) 判定ナビ on ${site.name}: every cell's verdict and flow as classify gives them`, async () => {
      const url = site.dir === SITE ? base : pathToFileURL(join(site.dir, "index.html")).href;
      allowFile = site.dir !== SITE;
      try {
        const wrong = [];
        await page.goto(url);
        for (const cell of site.cells) {
          await page.locator(`#navi button[data-level="${cell.conduct}"]`).click();
          await page.locator(`#navi button[data-level="${cell.demand}"]`).click();
          const shown = (await page.locator("#navi .navi-verdict-label").innerText()).trim();
          if (shown !== cell.verdict) wrong.push(`${cell.conduct}×${cell.demand}: shows ${shown}, classify ${cell.verdict}`);
          for (const [channel, flow] of Object.entries(cell.flows)) {
            const chip = page.locator("#navi .navi-chan", { hasText: channel });
            if (await chip.count()) await chip.first().click();
            const text = (await page.locator("#navi .navi-now").count()) ? (await page.locator("#navi").innerText()) : "";
            if (flow && !text.includes(flow)) wrong.push(`${cell.conduct}×${cell.demand} ${channel}: no ${flow}`);
          }
          await page.locator("#navi button", { hasText: "はじめから" }).click();
        }
        assert.deepEqual(wrong, [], "the decision aid disagrees with classify");
      } finally {
        allowFile = false;
      }
    });
  }

  for (const [w, h] of [[1366, 900], [400, 800]]) {
    it(`(h) 判定ナビ at ${w}×${h}: two taps and the channel by keyboard, the step above the fold`, async () => {
      await page.setViewportSize({ width: w, height: h });
      try {
        await page.goto(base);
        const first = page.locator("#navi .navi-choice").first();
        const box = await first.boundingBox();
        assert.ok(box && box.y + box.height <= h, `the first question is above the fold (${JSON.stringify(box)})`);
        // Keyboard only: focus the most severe conduct and the first demand level.
        await first.focus();
        await page.keyboard.press("Enter");
        await page.locator("#navi .navi-choice").last().waitFor();
        await page.locator("#navi .navi-choice").last().focus();
        await page.keyboard.press("Enter");
        await page.locator("#navi .navi-verdict-label").waitFor();
        const chip = page.locator("#navi .navi-chan", { hasText: "電話" });
        if (await chip.count()) {
          await chip.first().focus();
          await page.keyboard.press("Enter");
        }
        const step = page.locator("#navi .navi-now .step-link");
        await step.waitFor();
        const sb = await step.boundingBox();
        assert.ok(sb.y + sb.height <= h, `the step to act on is above the fold at ${w}×${h} (${sb.y + sb.height})`);
        const script = page.locator("#navi .script-text");
        if (await script.count()) {
          const tb = await script.boundingBox();
          assert.ok(tb.y < h, `the script starts above the fold (${tb.y})`);
        }
        await shot(`navi-${w}`);
        const href = await step.getAttribute("href");
        await Promise.all([page.waitForURL(/flows\/.*#step-/), step.click()]);
        const target = decodeURIComponent(new URL(page.url()).hash.slice(1));
        assert.ok(await page.locator(`[id="${target}"]`).isVisible(), `the step ${href} opens at its section`);
      } finally {
        await page.setViewportSize({ width: 1280, height: 900 });
      }
    });
  }

  it("(j) axe-core finds no violation on any kind of page", async () => {
    const paths = ["index.html", "criteria.html", "flows/phone.html", "cases/h01-abusive-valid-demand.html",
      "cases.html", "definitions.html", "roles.html", "aftercare.html", "search.html?q=" + encodeURIComponent("暴言"),
      "pages/faq.html", "print.html"];
    const found = [];
    // Every kind of page wide; the pages a reader uses on a phone also narrow.
    const narrow = new Set(["index.html", "criteria.html", "flows/phone.html", "cases/h01-abusive-valid-demand.html"]);
    for (const path of paths) {
      for (const [w, h] of narrow.has(path) ? [[1366, 900], [400, 800]] : [[1366, 900]]) {
        await page.setViewportSize({ width: w, height: h });
        await page.goto(base + path);
        if (path.startsWith("search")) await page.locator("#search-results li").first().waitFor();
        await page.addScriptTag({ path: AXE });
        const result = await page.evaluate(() =>
          window.axe.run(document, { runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "best-practice"] } }),
        );
        for (const v of result.violations) {
          found.push(`${path} @${w}: ${v.id} (${v.impact}) ${v.nodes.slice(0, 3).map((n) => n.target.join(" ")).join(" | ")}`);
        }
      }
    }
    await page.setViewportSize({ width: 1280, height: 900 });
    assert.deepEqual(found, [], "axe-core violations");
  });

  it("(k) print: A4 sheets, every step and case on one page, diagrams inside, TOC page numbers true", async () => {
    await page.goto(base + "print.html");
    await page.waitForFunction(() => document.documentElement.hasAttribute("data-pages"));
    await page.emulateMedia({ media: "print" });
    // In the print layout every diagram lies inside its sheet, and ids are unique.
    const report = await page.evaluate(() => {
      const out = [];
      document.querySelectorAll(".sheet svg").forEach((svg) => {
        const s = svg.closest(".sheet").getBoundingClientRect();
        const r = svg.getBoundingClientRect();
        if (r.left < s.left - 1 || r.right > s.right + 1 || r.top < s.top - 1 || r.bottom > s.bottom + 1) out.push(`svg outside its sheet: ${svg.getAttribute("aria-labelledby")}`);
      });
      const ids = new Map();
      document.querySelectorAll("[id]").forEach((e) => ids.set(e.id, (ids.get(e.id) || 0) + 1));
      ids.forEach((n, id) => { if (n > 1) out.push(`id ${id} used ${n} times`); });
      document.querySelectorAll('a[href^="#"]').forEach((a) => {
        const id = decodeURIComponent(a.getAttribute("href").slice(1));
        if (id && !document.getElementById(id)) out.push(`link to missing #${id}`);
      });
      const toc = [...document.querySelectorAll(".toc-print .toc-page")].map((s) => ({
        title: s.previousElementSibling.textContent.trim(), page: +s.textContent,
      }));
      return { problems: out, toc, pages: +document.documentElement.getAttribute("data-pages") };
    });
    assert.deepEqual(report.problems, [], "print layout problems");
    const pdf = join(ARTEFACTS, "manual.pdf");
    await page.pdf({ path: pdf, preferCSSPageSize: true, printBackground: true });
    await page.emulateMedia({ media: "screen" });
    const py = spawnSync("python3", [new URL("./check_pdf.py", import.meta.url).pathname, pdf], { encoding: "utf8" });
    assert.equal(py.status, 0, `check_pdf.py failed: ${py.stderr}`);
    const info = JSON.parse(py.stdout);
    assert.ok(info.pages.every((p) => Math.abs(p.width - 595.3) < 1.5 && Math.abs(p.height - 841.9) < 1.5), "every page is A4");
    assert.equal(info.pages.length, report.pages, "one printed page per sheet");
    assert.deepEqual(info.outside, [], "text outside the page (a clipped diagram?)");
    // Compare letters only; a CJK radical in the PDF's text (fonts map 長 to ⻑) matches any.
    const letters = (t) => [...t.normalize("NFKC").replace(/[^\p{L}\p{N}\u2e80-\u2fdf]/gu, "")];
    const radical = (c) => c >= "\u2e80" && c <= "\u2fdf";
    const shows = (pageText, title) => {
      const p = letters(pageText), t = letters(title);
      for (let i = 0; i + t.length <= p.length; i++) {
        if (t.every((c, k) => p[i + k] === c || radical(p[i + k]))) return true;
      }
      return false;
    };
    const bad = report.toc.filter((e) => !shows((info.pages[e.page - 1] || { text: "" }).text, e.title));
    assert.deepEqual(bad, [], "table of contents entries whose page does not show them");
    console.log(`print: ${info.pages.length} A4 pages, ${report.toc.length} TOC entries checked`);
  });

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
