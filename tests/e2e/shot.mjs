// Screenshots of a built site for a person to look at (not a test):
//   node tests/e2e/shot.mjs SITE OUT page.html[@WIDTHxHEIGHT] ...
import { chromium } from "playwright-core";
import { pathToFileURL } from "node:url";
import { join } from "node:path";
const [site, out, ...pages] = process.argv.slice(2);
const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox", "--disable-gpu"] });
for (const spec of pages) {
  const [path, size = "1366x900", full = ""] = spec.split("@");
  const [w, h] = size.split("x").map(Number);
  const page = await browser.newPage({ viewport: { width: w, height: h }, locale: "ja-JP" });
  page.on("console", (m) => { if (m.type() === "error") console.log("console:", m.text()); });
  page.on("pageerror", (e) => console.log("pageerror:", e.message));
  await page.goto(pathToFileURL(join(site, path)).href);
  await page.evaluate(() => document.fonts.ready);
  const name = (path.replace(/[/#?]/g, "_") + "-" + size + (full ? "-full" : "")).replace(/\.html/, "");
  await page.screenshot({ path: join(out, name + ".png"), fullPage: !!full });
  console.log(name, await page.evaluate(() => document.documentElement.scrollWidth));
  await page.close();
}
await browser.close();
