// Browser check of one review page written by `sightline report`, and of the index beside it.
//
// Usage: node tests/browser/report.test.mjs REPORT_HTML INDEX_HTML SCREENSHOT_DIR
//   (first `scripts/browser.sh install`; the demo pair in tests/browser/demo/ passes and documents
//   the DOM contract: node tests/browser/report.test.mjs tests/browser/demo/{report,index}.html DIR)
//
// Debian's Chromium (/usr/bin/chromium), headless, driven by playwright-core (no browser download).
// Every request that is not a file: URL is blocked, recorded and fails the check (pages must be
// self-contained; links to attack.mitre.org are allowed but must never be requested); so does any
// console error or uncaught page error. Checks:
// - report: window.sightline.ready and window.sightline.player (the asciinema player); button.mark
//   (data-index, data-offset, data-risk) and one tr.entry per mark in table#timeline, same offsets;
//   clicking the riskiest mark (highest risk, then smallest offset) seeks the player there
//   (getCurrentTime() within 0.05 s) and gives its row the class `current`; clicking a row's offset
//   (a.offset) seeks; after a reload `n` goes to the first HIGH/CRITICAL mark by offset, `n` to the
//   next one, `p` back; links are in-page fragments with a target, relative files that exist, or
//   ATT&CK technique pages; with JavaScript off every row still shows and the player says it needs
//   JavaScript.
// - index: table#sessions, tr.session rows (data-risk, data-kind, data-start, a.open to an existing
//   file) sorted by risk (highest first) then start (ascending; an empty start sorts first);
//   select#filter-risk and select#filter-kind hide (display: none) every row that does not match.
// - screenshots in SCREENSHOT_DIR: report.png (full page, 1366x900, after the jump to the riskiest
//   command), report-print.png (print media), index.png.
// Prints one JSON line to stdout ({"ok":true,"checks":N,...}) and exits 0; on failure prints each
// failure to stderr, a JSON line with "ok":false and the failures to stdout, and exits 1.
import { chromium } from "playwright-core";
import { existsSync, mkdirSync, statSync } from "node:fs";
import { dirname, resolve } from "node:path";
import { pathToFileURL } from "node:url";

const [reportArg, indexArg, shotsArg] = process.argv.slice(2);
if (!reportArg || !indexArg || !shotsArg) {
  console.error("usage: node tests/browser/report.test.mjs REPORT_HTML INDEX_HTML SCREENSHOT_DIR");
  process.exit(2);
}
const reportPath = resolve(reportArg);
const indexPath = resolve(indexArg);
const shots = resolve(shotsArg);

const CHROMIUM = process.env.SIGHTLINE_CHROMIUM || "/usr/bin/chromium";
const TOLERANCE = 0.05; // seconds between a mark's offset and the player's time
const SEEK_TIMEOUT = 10000; // ms to wait for the player to get there
const READY_TIMEOUT = 15000; // ms to wait for window.sightline.ready
const RISKS = { LOW: 1, MEDIUM: 2, HIGH: 3, CRITICAL: 4 };
const ATTACK = /^https:\/\/attack\.mitre\.org\/techniques\/T\d{4}(\/\d{3})?\/?$/;

const failures = [];
const notes = [];
const blocked = new Set();
const errors = [];
const seeks = [];
let checks = 0;
const check = (ok, what) => {
  checks += 1;
  if (!ok) { failures.push(what); }
  return ok;
};
const fmt = (seconds) => (typeof seconds === "number" && Number.isFinite(seconds) ? seconds.toFixed(3) : String(seconds));

for (const [what, path] of [["report", reportPath], ["index", indexPath]]) {
  if (!existsSync(path)) {
    console.error(`report.test: ${what} page ${path} does not exist`);
    process.exit(2);
  }
}
mkdirSync(shots, { recursive: true });

// Blocks (and records) every request that is not a file: URL, in every page of the context.
async function lockDown(context) {
  context.on("request", (request) => {
    if (!request.url().startsWith("file:")) { blocked.add(request.url()); }
  });
  await context.route("**/*", (route) => {
    const url = route.request().url();
    if (url.startsWith("file:")) { return route.continue(); }
    blocked.add(url);
    return route.abort("blockedbyclient");
  });
}

function watch(page, label) {
  page.on("console", (message) => {
    if (message.type() === "error") { errors.push(`${label}: console error: ${message.text()}`); }
  });
  page.on("pageerror", (error) => errors.push(`${label}: page error: ${error.message || error}`));
}

// `href` of a link on the page at `pagePath`: null when fine, else what is wrong with it.
async function brokenLink(page, pagePath, href) {
  if (href.startsWith("#")) {
    const id = decodeURIComponent(href.slice(1));
    const found = id !== "" && (await page.evaluate((target) => document.getElementById(target) !== null, id));
    return found ? null : `in-page link ${href} has no element with that id`;
  }
  if (/^[a-z][a-z0-9+.-]*:/i.test(href) || href.startsWith("//")) {
    return ATTACK.test(href) ? null : `link ${href} leaves the page (only ATT&CK technique pages may)`;
  }
  const file = decodeURIComponent(href.split("#")[0].split("?")[0]);
  if (file === "") { return null; }
  const target = resolve(dirname(pagePath), file);
  return existsSync(target) && statSync(target).isFile() ? null : `relative link ${href} (${target}) does not exist`;
}

async function checkLinks(page, pagePath, label) {
  const hrefs = await page.$$eval("a[href]", (nodes) => nodes.map((node) => node.getAttribute("href")));
  let external = 0;
  for (const href of hrefs) {
    const problem = await brokenLink(page, pagePath, href);
    check(problem === null, `${label}: ${problem}`);
    if (ATTACK.test(href)) { external += 1; }
  }
  return { links: hrefs.length, attack: external };
}

async function main(browser) {
  const context = await browser.newContext({ viewport: { width: 1366, height: 900 } });
  await lockDown(context);
  const page = await context.newPage();
  page.setDefaultTimeout(SEEK_TIMEOUT);
  watch(page, "report");

  const open = async () => {
    await page.goto(pathToFileURL(reportPath).href, { waitUntil: "load" });
    try {
      await page.waitForFunction(() => window.sightline && window.sightline.ready === true, null, { timeout: READY_TIMEOUT });
    } catch {
      throw new Error(`window.sightline.ready did not become true within ${READY_TIMEOUT / 1000} s`);
    }
    const api = await page.evaluate(() => {
      const player = window.sightline.player;
      return player ? ["getCurrentTime", "getDuration", "seek", "play", "pause"].filter((name) => typeof player[name] !== "function") : null;
    });
    if (api === null) { throw new Error("window.sightline.player is missing"); }
    check(api.length === 0, `window.sightline.player lacks ${api.join(", ")}`);
  };
  const time = () => page.evaluate(() => {
    const value = window.sightline.player.getCurrentTime();
    return typeof value === "number" ? value : String(value);
  });
  // Polls until the player's time is within TOLERANCE of `expected`, or fails after SEEK_TIMEOUT.
  const waitForTime = async (expected, what) => {
    const started = Date.now();
    let actual = await time();
    while (!(Math.abs(actual - expected) <= TOLERANCE) && Date.now() - started < SEEK_TIMEOUT) {
      await page.waitForTimeout(25);
      actual = await time();
    }
    const ok = Math.abs(actual - expected) <= TOLERANCE;
    check(ok, `${what}: expected the player at ${fmt(expected)} s (±${TOLERANCE}), it is at ${fmt(actual)} s after ${SEEK_TIMEOUT / 1000} s`);
    if (ok) { seeks.push({ what, expected, actual, ms: Date.now() - started }); }
    return ok;
  };
  // When the player already shows `offset` (e.g. a poster at that moment), a jump there would
  // prove nothing: move it elsewhere first, through the player's own API.
  const awayFrom = async (offset, why) => {
    const now = await time();
    if (!(Math.abs(now - offset) <= TOLERANCE)) { return; }
    const elsewhere = offset > 4 * TOLERANCE ? 0 : offset + 1;
    await page.evaluate((target) => window.sightline.player.seek(target), elsewhere);
    const moved = await time();
    if (Math.abs(moved - offset) <= TOLERANCE) {
      notes.push(`${why}: the player was already at ${fmt(offset)} s and could not be moved away, so the check proves little`);
    } else {
      notes.push(`${why}: the player already showed ${fmt(offset)} s; moved it to ${fmt(moved)} s first`);
    }
  };
  const click = async (selector, what) => {
    const target = page.locator(selector).first();
    try {
      await target.click({ timeout: 5000 });
    } catch (error) {
      // Marks may overlap in a dense strip; the one underneath still has to work.
      notes.push(`${what}: not clickable where it is drawn (${String(error.message).split("\n")[0]}); dispatched a click event`);
      await target.dispatchEvent("click");
    }
  };

  await open();
  const read = (selector) => page.$$eval(selector, (nodes) => nodes.map((node) => ({
    index: node.getAttribute("data-index"),
    offset: node.getAttribute("data-offset"),
    risk: node.getAttribute("data-risk"),
  })));
  const marks = await read("button.mark");
  const rows = await read("table#timeline tr.entry");
  check(await page.$("table#timeline") !== null, "report: no table#timeline");
  check(marks.length > 0, "report: no button.mark in the timeline strip");
  check(rows.length === marks.length, `report: ${rows.length} tr.entry rows in table#timeline for ${marks.length} marks`);
  for (const mark of marks) {
    check(/^\d+$/.test(mark.index || ""), `report: mark data-index "${mark.index}" is not an integer`);
    check(mark.risk in RISKS, `report: mark ${mark.index} data-risk "${mark.risk}" is not LOW, MEDIUM, HIGH or CRITICAL`);
    check(mark.offset !== null && Number.isFinite(Number(mark.offset)) && Number(mark.offset) >= 0, `report: mark ${mark.index} data-offset "${mark.offset}" is not a number of seconds`);
    const row = rows.find((candidate) => candidate.index === mark.index);
    check(row !== undefined, `report: no tr.entry[data-index="${mark.index}"] for mark ${mark.index}`);
    if (row) { check(Number(row.offset) === Number(mark.offset), `report: row ${mark.index} data-offset ${row.offset} differs from its mark's ${mark.offset}`); }
  }
  check(new Set(marks.map((mark) => mark.index)).size === marks.length, "report: two marks share a data-index");
  const valid = marks.filter((mark) => mark.risk in RISKS && Number.isFinite(Number(mark.offset)))
    .map((mark) => ({ ...mark, offset: Number(mark.offset) }));
  const duration = await page.evaluate(() => window.sightline.player.getDuration());

  // The riskiest mark: highest risk, then the earliest.
  const riskiest = [...valid].sort((a, b) => RISKS[b.risk] - RISKS[a.risk] || a.offset - b.offset)[0];
  if (riskiest) {
    await awayFrom(riskiest.offset, "riskiest mark");
    await click(`button.mark[data-index="${riskiest.index}"]`, `mark ${riskiest.index}`);
    await waitForTime(riskiest.offset, `click on the riskiest mark (data-index ${riskiest.index}, ${riskiest.risk})`);
    const row = `tr.entry[data-index="${riskiest.index}"]`;
    const current = await page.waitForFunction((selector) => {
      const node = document.querySelector(selector);
      return node !== null && node.classList.contains("current");
    }, row, { timeout: 2000 }).then(() => true, () => false);
    check(current, `after the click on mark ${riskiest.index}, ${row} has no class "current"`);
    await page.screenshot({ path: `${shots}/report.png`, fullPage: true });

    // A row's offset seeks too: take a row elsewhere than the player is now.
    const now = await time();
    const other = valid.find((mark) => Math.abs(mark.offset - now) > 4 * TOLERANCE) || riskiest;
    await awayFrom(other.offset, `row ${other.index}`);
    const rowSelector = `table#timeline tr.entry[data-index="${other.index}"]`;
    const hasOffset = await page.$(`${rowSelector} a.offset`) !== null;
    if (!hasOffset) { notes.push(`row ${other.index} has no a.offset; clicked its first cell`); }
    await click(hasOffset ? `${rowSelector} a.offset` : `${rowSelector} td`, `row ${other.index}`);
    await waitForTime(other.offset, `click on the offset of row ${other.index}`);
  } else {
    await page.screenshot({ path: `${shots}/report.png`, fullPage: true });
  }

  // Keys, from a fresh page: n = next HIGH/CRITICAL mark by offset, p = previous.
  const risky = valid.filter((mark) => RISKS[mark.risk] >= RISKS.HIGH).sort((a, b) => a.offset - b.offset);
  await open();
  if (risky.length === 0) {
    notes.push("no HIGH or CRITICAL mark: n / p not checked");
  } else if (risky[0].offset <= TOLERANCE) {
    // n counts from the player's time; a fresh page is at 0, where this first risky mark is,
    // so n goes to the next one and p comes back.
    const second = risky.find((mark) => mark.offset > risky[0].offset + 2 * TOLERANCE);
    if (second) {
      await page.keyboard.press("n");
      await waitForTime(second.offset, `n from the start → next risky mark (data-index ${second.index})`);
      await page.keyboard.press("p");
      await waitForTime(risky[0].offset, `p → back to the risky mark at the start (data-index ${risky[0].index})`);
    } else {
      notes.push("the only risky mark is at the start: n / p not checked");
    }
  } else {
    await page.keyboard.press("n");
    await waitForTime(risky[0].offset, `n on a fresh page → first risky mark (data-index ${risky[0].index})`);
    const second = risky.find((mark) => mark.offset > risky[0].offset + 2 * TOLERANCE);
    if (second) {
      await page.keyboard.press("n");
      await waitForTime(second.offset, `n again → next risky mark (data-index ${second.index})`);
      await page.keyboard.press("p");
      await waitForTime(risky[0].offset, `p → back to the first risky mark (data-index ${risky[0].index})`);
    } else {
      notes.push("a single risky offset: the second n and p not checked");
    }
  }

  const reportLinks = await checkLinks(page, reportPath, "report");
  await page.emulateMedia({ media: "print" });
  await page.screenshot({ path: `${shots}/report-print.png`, fullPage: true });
  await page.emulateMedia({ media: "screen" });

  // The index.
  const index = await context.newPage();
  index.setDefaultTimeout(SEEK_TIMEOUT);
  watch(index, "index");
  await index.goto(pathToFileURL(indexPath).href, { waitUntil: "load" });
  check(await index.$("table#sessions") !== null, "index: no table#sessions");
  const sessions = await index.$$eval("table#sessions tr.session", (nodes) => nodes.map((node) => ({
    risk: node.getAttribute("data-risk"),
    kind: node.getAttribute("data-kind"),
    start: node.getAttribute("data-start"),
    href: node.querySelector("a.open") ? node.querySelector("a.open").getAttribute("href") : null,
  })));
  check(sessions.length > 0, "index: no tr.session in table#sessions");
  sessions.forEach((session, i) => {
    check(session.risk in RISKS, `index: row ${i} data-risk "${session.risk}" is not LOW, MEDIUM, HIGH or CRITICAL`);
    check(Boolean(session.kind), `index: row ${i} has no data-kind`);
    check(session.start !== null, `index: row ${i} has no data-start`);
    if (session.start) { check(!Number.isNaN(Date.parse(session.start)), `index: row ${i} data-start "${session.start}" is not ISO 8601`); }
    if (check(session.href !== null, `index: row ${i} has no a.open`)) {
      check(!/^[a-z][a-z0-9+.-]*:/i.test(session.href), `index: row ${i} a.open ${session.href} is not a relative link`);
    }
  });
  const startOf = (session) => (session.start ? Date.parse(session.start) : -Infinity);
  for (let i = 1; i < sessions.length; i += 1) {
    const [a, b] = [sessions[i - 1], sessions[i]];
    const sorted = RISKS[a.risk] > RISKS[b.risk] || (RISKS[a.risk] === RISKS[b.risk] && startOf(a) <= startOf(b));
    check(sorted, `index: rows ${i - 1} (${a.risk}, ${a.start}) and ${i} (${b.risk}, ${b.start}) are not sorted by risk then start`);
  }
  const indexLinks = await checkLinks(index, indexPath, "index");
  const visibility = () => index.$$eval("table#sessions tr.session", (nodes) => nodes.map((node) => ({
    risk: node.getAttribute("data-risk"),
    kind: node.getAttribute("data-kind"),
    shown: getComputedStyle(node).display !== "none" && !node.hidden,
  })));
  for (const [select, key] of [["select#filter-risk", "risk"], ["select#filter-kind", "kind"]]) {
    if (!check(await index.$(select) !== null, `index: no ${select}`) || sessions.length === 0) { continue; }
    const value = sessions[0][key];
    const options = await index.$$eval(`${select} option`, (nodes) => nodes.map((node) => node.value));
    if (!check(options.includes(value), `index: ${select} has no option "${value}" (the first row's data-${key})`)) { continue; }
    await index.selectOption(select, value);
    const after = await visibility();
    check(after.some((row) => row.shown), `index: ${select} = ${value} leaves no row visible`);
    const wrong = after.filter((row) => (row[key] === value) !== row.shown);
    check(wrong.length === 0, `index: ${select} = ${value}: ${wrong.length} rows shown or hidden wrongly (${JSON.stringify(wrong)})`);
    if (options.includes("")) {
      await index.selectOption(select, "");
      check((await visibility()).every((row) => row.shown), `index: ${select} back to all does not show every row`);
    }
  }
  await index.screenshot({ path: `${shots}/index.png`, fullPage: true });

  // Without JavaScript the page still reads: the timeline table is plain HTML.
  const plain = await browser.newContext({ viewport: { width: 1366, height: 900 }, javaScriptEnabled: false });
  await lockDown(plain);
  const still = await plain.newPage();
  watch(still, "report without JavaScript");
  await still.goto(pathToFileURL(reportPath).href, { waitUntil: "load" });
  const visibleRows = await still.$$eval("table#timeline tr.entry", (nodes) => nodes.filter((node) => node.getClientRects().length > 0).length);
  check(visibleRows === rows.length, `report without JavaScript: ${visibleRows} of ${rows.length} timeline rows show`);
  const notice = await still.$eval("#playback", (node) => node.innerText).catch(() => "");
  check(/needs JavaScript/i.test(notice), "report without JavaScript: #playback does not say that playback needs JavaScript");
  await plain.close();
  await context.close();
  return {
    marks: marks.length, rows: rows.length, duration, sessions: sessions.length,
    links: { report: reportLinks, index: indexLinks },
  };
}

let summary = {};
let browser = null;
try {
  browser = await chromium.launch({ executablePath: CHROMIUM, args: ["--no-sandbox"] });
  summary = await main(browser);
} catch (error) {
  failures.push(`stopped: ${String(error && error.message ? error.message : error).split("\n")[0]}`);
} finally {
  if (browser) { await browser.close().catch(() => {}); }
}
for (const url of blocked) { failures.push(`request to ${url} (pages must not fetch anything)`); }
for (const error of errors) { failures.push(error); }
const result = {
  ok: failures.length === 0, checks, report: reportPath, index: indexPath, ...summary, seeks,
  screenshots: ["report.png", "report-print.png", "index.png"].map((name) => `${shots}/${name}`),
  notes,
};
if (failures.length > 0) {
  for (const failure of failures) { console.error(`FAIL: ${failure}`); }
  console.log(JSON.stringify({ ...result, failures }));
  process.exit(1);
}
console.log(JSON.stringify(result));
