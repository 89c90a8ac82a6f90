// Browser check of one review page written by `sightline report` (and the index beside it).
// Usage: node tests/browser/report.test.mjs REPORT_HTML INDEX_HTML SCREENSHOT_DIR
//
// Debian's Chromium, headless, driven by playwright-core. Every request that is not a file:
// URL is blocked and fails the check (pages must be self-contained); so does any console error.
// Checks, against the DOM contract in src/report/page.rs and src/report/index.rs:
// - clicking the riskiest timeline mark seeks the player to that command's offset
//   (window.sightline.player.getCurrentTime()), and highlights its table row;
// - `n` / `p` walk the HIGH and CRITICAL commands in offset order;
// - clicking a table row's offset seeks too;
// - links: in-page fragments exist, relative files exist, external links only to attack.mitre.org;
// - the index: rows sorted by risk then start time, links to existing pages, the risk filter;
// - with JavaScript off, every timeline row still shows and the player says it needs scripts.
// Prints one JSON line ({"ok":true,...}) and exits 0, or prints what failed and exits 1.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL, fileURLToPath } from "node:url";

const [reportPath, indexPath, shots] = process.argv.slice(2);
if (!reportPath || !indexPath || !shots) {
  console.error("usage: node report.test.mjs REPORT_HTML INDEX_HTML SCREENSHOT_DIR");
  process.exit(2);
}
mkdirSync(shots, { recursive: true });
const failures = [];
const blocked = [];
const errors = [];
let checks = 0;
const check = (ok, what) => { checks += 1; if (!ok) failures.push(what); };
const TOLERANCE = 0.05;
const ORDER = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };

const browser = await chromium.launch({ executablePath: "/usr/bin/chromium", args: ["--no-sandbox"] });
try {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:") || url.startsWith("data:") || url.startsWith("blob:")) { return route.continue(); }
    blocked.push(url);
    return route.abort();
  });
  const page = await context.newPage();
  page.on("console", (message) => { if (message.type() === "error") { errors.push(message.text()); } });
  page.on("pageerror", (error) => errors.push(String(error)));

  const open = async () => {
    await page.goto(pathToFileURL(resolve(reportPath)).href);
    await page.waitForFunction(() => window.sightline && window.sightline.ready === true, null, { timeout: 15000 });
  };
  const time = () => page.evaluate(() => window.sightline.player.getCurrentTime());
  const waitForTime = async (expected, what) => {
    const deadline = Date.now() + 10000;
    let actual = await time();
    while (Math.abs(actual - expected) > TOLERANCE && Date.now() < deadline) {
      await page.waitForTimeout(50);
      actual = await time();
    }
    check(Math.abs(actual - expected) <= TOLERANCE, `${what}: player at ${actual}, expected ${expected}`);
  };

  await open();
  const marks = await page.$$eval("button.mark", (nodes) => nodes.map((node) => ({
    index: node.dataset.index, offset: parseFloat(node.dataset.offset), risk: node.dataset.risk,
  })));
  const rows = await page.$$eval("tr.entry", (nodes) => nodes.map((node) => ({
    index: node.dataset.index, offset: parseFloat(node.dataset.offset), risk: node.dataset.risk,
  })));
  check(rows.length === marks.length, `one table row per mark (${rows.length} rows, ${marks.length} marks)`);
  check(marks.every((mark) => mark.risk in ORDER && Number.isFinite(mark.offset)), "marks carry a risk and an offset");
  for (const mark of marks) {
    const row = rows.find((candidate) => candidate.index === mark.index);
    check(row && Math.abs(row.offset - mark.offset) < 1e-9, `row ${mark.index} has its mark's offset`);
  }

  await page.screenshot({ path: `${shots}/report.png`, fullPage: true });
  if (marks.length > 0) {
    const riskiest = [...marks].sort((a, b) => ORDER[b.risk] - ORDER[a.risk] || a.offset - b.offset)[0];
    await page.click(`button.mark[data-index="${riskiest.index}"]`);
    await waitForTime(riskiest.offset, `click on the riskiest mark #${riskiest.index} (${riskiest.risk})`);
    const current = await page.$eval(`tr.entry[data-index="${riskiest.index}"]`, (row) => row.classList.contains("current"));
    check(current, `row ${riskiest.index} highlighted after the click`);

    const row = rows[rows.length - 1];
    await page.click(`tr.entry[data-index="${row.index}"] a.offset`);
    await waitForTime(row.offset, `click on row ${row.index}'s offset`);

    const risky = marks.filter((mark) => ORDER[mark.risk] >= ORDER.HIGH).sort((a, b) => a.offset - b.offset);
    await open();
    if (risky.length > 0) {
      await page.keyboard.press("n");
      await waitForTime(risky[0].offset, "n → first risky command");
      const distinct = risky.find((mark) => mark.offset > risky[0].offset + 1e-6);
      if (distinct) {
        await page.keyboard.press("n");
        await waitForTime(distinct.offset, "n → second risky command");
        await page.keyboard.press("p");
        await waitForTime(risky[0].offset, "p → back to the first risky command");
      }
    }
  }

  // Links.
  const links = await page.$$eval("a[href]", (nodes) => nodes.map((node) => node.getAttribute("href")));
  for (const href of links) {
    if (href.startsWith("#")) {
      const exists = await page.$(`[id="${href.slice(1)}"]`);
      check(exists !== null, `in-page link ${href} has a target`);
    } else if (/^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/$/.test(href)) {
      checks += 1;
    } else if (/^[a-z]+:/i.test(href)) {
      check(false, `external link ${href}`);
    } else {
      check(existsSync(resolve(dirname(reportPath), href)), `relative link ${href} exists`);
    }
  }
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: `${shots}/report-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // The index.
  await page.goto(pathToFileURL(resolve(indexPath)).href);
  const sessions = await page.$$eval("table#sessions tr.session", (nodes) => nodes.map((node) => ({
    risk: node.dataset.risk, kind: node.dataset.kind, start: node.dataset.start,
    href: node.querySelector("a.open") && node.querySelector("a.open").getAttribute("href"),
  })));
  check(sessions.length > 0, "the index lists sessions");
  for (let i = 1; i < sessions.length; i += 1) {
    const [a, b] = [sessions[i - 1], sessions[i]];
    const sorted = ORDER[a.risk] > ORDER[b.risk] || (ORDER[a.risk] === ORDER[b.risk] && (a.start || "") <= (b.start || ""));
    check(sorted, `index rows ${i - 1} and ${i} sorted by risk then start`);
  }
  for (const session of sessions) {
    check(session.href && existsSync(resolve(dirname(indexPath), session.href)), `index link ${session.href} exists`);
  }
  if (sessions.length > 0) {
    const risk = sessions[sessions.length - 1].risk;
    await page.selectOption("select#filter-risk", risk);
    const visible = await page.$$eval("tr.session", (nodes) => nodes.filter((node) => node.style.display !== "none")
      .map((node) => node.dataset.risk));
    check(visible.length > 0 && visible.every((value) => value === risk), `risk filter ${risk} shows only ${risk} rows`);
    await page.selectOption("select#filter-risk", "");
  }
  await page.screenshot({ path: `${shots}/index.png`, fullPage: true });

  // Without JavaScript the page still reads: the timeline table is plain HTML.
  const plain = await browser.newContext({ viewport: { width: 1366, height: 900 }, javaScriptEnabled: false });
  await plain.route("**/*", (route) => (route.request().url().startsWith("file:") ? route.continue() : route.abort()));
  const still = await plain.newPage();
  await still.goto(pathToFileURL(resolve(reportPath)).href);
  const visibleRows = await still.$$eval("tr.entry", (nodes) => nodes.filter((node) => node.offsetHeight > 0).length);
  check(visibleRows === rows.length, `without JavaScript all ${rows.length} timeline rows show (${visibleRows})`);
  const notice = await still.$eval("#playback", (node) => node.innerText);
  check(/needs JavaScript/.test(notice), "without JavaScript the player says it needs scripts");
  await plain.close();
} finally {
  await browser.close();
}
for (const url of blocked) { failures.push(`request to ${url} (pages must be self-contained)`); }
for (const error of errors) { failures.push(`console error: ${error}`); }
if (failures.length > 0) {
  console.log(JSON.stringify({ ok: false, report: reportPath, checks, failures }));
  process.exit(1);
}
console.log(JSON.stringify({ ok: true, report: reportPath, checks }));
