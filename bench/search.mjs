// Recall of the golden queries (tests/e2e/queries.json) for mamoru's search and for Pagefind on
// the same pages, in Chromium: `bench/search.sh` builds both; run by hand with
//   node bench/search.mjs SITE   (SITE holds mamoru's build and pagefind/ from the Pagefind CLI)
// A query counts as found when every expected section's page is among the first three results
// (Pagefind answers by page; mamoru's anchors are compared by page too, so both are judged alike).
import { chromium } from "../tests/e2e/node_modules/playwright-core/index.mjs";
import { createServer } from "node:http";
import { readFile } from "node:fs/promises";
import { readFileSync, existsSync } from "node:fs";
import { join, extname, resolve } from "node:path";

const site = resolve(process.argv[2]);
const table = JSON.parse(readFileSync(new URL("../tests/e2e/queries.json", import.meta.url), "utf8")).queries;
const types = { ".html": "text/html; charset=utf-8", ".js": "text/javascript", ".css": "text/css", ".wasm": "application/wasm", ".json": "application/json" };
const server = createServer(async (req, res) => {
  const path = join(site, decodeURIComponent(new URL(req.url, "http://x").pathname));
  if (!path.startsWith(site) || !existsSync(path)) { res.writeHead(404).end(); return; }
  try {
    const body = await readFile(path);
    res.writeHead(200, { "Content-Type": types[extname(path)] || "application/octet-stream" }).end(body);
  } catch { res.writeHead(404).end(); }
});
await new Promise((ok) => server.listen(0, "127.0.0.1", ok));
const base = `http://127.0.0.1:${server.address().port}/`;
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
const page = await browser.newPage();
await page.goto(base + "index.html");
const pageOf = (u) => u.replace(/^\//, "").split("#")[0].replace(/\/$/, "/index.html");

async function mamoru(q) {
  return (await page.evaluate((q) => window.mamoruSearch.search(q, 3), q)).map((r) => pageOf(r.url));
}
async function pagefind(q, expand) {
  return page.evaluate(async ([q, expand]) => {
    if (!window.__pf) {
      window.__pf = await import("/pagefind/pagefind.js");
      await window.__pf.options({ baseUrl: "/" });
    }
    const queries = expand ? (await window.mamoruSearch.alternatives(q)).flat().map((a) => a.text) : [q];
    const best = new Map();
    for (const x of queries) {
      const s = await window.__pf.search(x);
      for (const r of s.results.slice(0, 10)) {
        const d = await r.data();
        const u = d.url.replace(/^\//, "").split("#")[0];
        best.set(u, Math.max(best.get(u) || 0, r.score));
      }
    }
    return [...best.entries()].sort((a, b) => b[1] - a[1]).slice(0, 3).map((e) => e[0]);
  }, [q, expand]);
}

const engines = {
  mamoru: mamoru,
  "pagefind": (q) => pagefind(q, false),
  "pagefind + mamoru's synonyms": (q) => pagefind(q, true),
};
const out = {};
for (const [name, run] of Object.entries(engines)) {
  let hit = 0, total = 0;
  const misses = [];
  for (const { q, expect } of table) {
    const got = await run(q);
    for (const e of expect) {
      total++;
      if (got.includes(pageOf(e))) hit++;
      else misses.push(q);
    }
  }
  out[name] = { hit, total, recall: +(hit / total).toFixed(3), misses: [...new Set(misses)] };
}
console.log(JSON.stringify(out, null, 1));
await browser.close();
server.close();
