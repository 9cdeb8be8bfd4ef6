#!/usr/bin/env node
// Turns bench/load.sh's raw outputs into the markdown table (stdout).
//   node bench/report.mjs WORK_DIR ROUNDS
// WORK_DIR/raw/<metric>.<target>.<round>: wrk output (health32, health1, put64k) or acp-stream.mjs's JSON line (acp);
// WORK_DIR/proc-<target>.txt: "epochSeconds VmRSS_KiB VmHWM_KiB threads" samples.
import { existsSync, readFileSync } from "node:fs";
import { join } from "node:path";

const [work, roundsArg] = process.argv.slice(2);
const ROUNDS = Number(roundsArg);
const TARGETS = ["direct", "gateway", "jetty-proxy"];
const PROXIES = ["gateway", "jetty-proxy"];

function raw(metric, target, round) {
  const file = join(work, "raw", `${metric}.${target}.${round}`);
  return existsSync(file) ? readFileSync(file, "utf8") : "";
}

const UNIT_MS = { us: 0.001, ms: 1, s: 1000 };
function wrk(text) {
  const num = (re) => {
    const m = re.exec(text);
    return m ? Number(m[1]) : null;
  };
  const p50 = /^\s*50%\s+([\d.]+)(us|ms|s)\s*$/m.exec(text);
  const sock = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
  return {
    rps: num(/Requests\/sec:\s+([\d.]+)/),
    p50ms: p50 ? Number(p50[1]) * UNIT_MS[p50[2]] : null,
    requests: num(/(\d+) requests in/),
    errors: (num(/Non-2xx or 3xx responses: (\d+)/) ?? 0) + (sock ? sock.slice(1).reduce((a, b) => a + Number(b), 0) : 0),
  };
}

function acp(text) {
  try {
    return JSON.parse(text.trim().split("\n").pop());
  } catch {
    return null;
  }
}

const mean = (xs) => (xs.length ? xs.reduce((a, b) => a + b, 0) / xs.length : null);
const rounds = [...Array(ROUNDS).keys()].map((i) => i + 1);

/** Per target: the metric's value in each round (null where it failed). */
function series(extract) {
  const out = {};
  for (const t of TARGETS) out[t] = rounds.map((r) => extract(t, r));
  return out;
}

function fmt(x, digits) {
  if (x === null || x === undefined || Number.isNaN(x)) return "n/a";
  return x.toLocaleString("en-US", { minimumFractionDigits: digits, maximumFractionDigits: digits });
}

const rows = [];

/** A ratio row: cells show the mean value, the ratio of the means, and the per-round ratio range. */
function ratioRow(label, s, digits, unit, goal, passes, notes = {}) {
  const direct = s.direct.filter((x) => x !== null);
  const cells = [`${fmt(mean(direct), digits)}${unit}${notes.direct ?? ""}`];
  let verdict = "n/a";
  for (const p of PROXIES) {
    const vals = s[p].filter((x) => x !== null);
    const perRound = rounds
      .map((_, i) => (s[p][i] !== null && s.direct[i] ? s[p][i] / s.direct[i] : null))
      .filter((x) => x !== null);
    const ratio = vals.length && direct.length ? mean(vals) / mean(direct) : null;
    const range = perRound.length > 1 ? ` (${fmt(Math.min(...perRound), 2)}–${fmt(Math.max(...perRound), 2)})` : "";
    cells.push(`${fmt(mean(vals), digits)}${unit} · **${fmt(ratio, 2)}×**${range}${notes[p] ?? ""}`);
    if (p === "gateway" && ratio !== null) verdict = passes(ratio) ? "met" : "**missed**";
  }
  rows.push([label, ...cells, goal, verdict]);
}

/** Non-2xx answers and socket errors; over 1% of the requests, the row does not count (invalid). */
const invalid = new Set();
function errorNotes(metric) {
  const notes = {};
  for (const t of TARGETS) {
    const n = rounds.reduce((a, r) => a + (wrk(raw(metric, t, r)).errors ?? 0), 0);
    const total = rounds.reduce((a, r) => a + (wrk(raw(metric, t, r)).requests ?? 0), 0);
    if (n > 0) notes[t] = ` ⚠ ${fmt(n, 0)} errors (${fmt((100 * n) / Math.max(total, 1), 1)}%)`;
    if (t === "gateway" && n > 0.01 * total) invalid.add(metric);
  }
  return notes;
}
function markInvalid(metric) {
  if (invalid.has(metric)) rows[rows.length - 1][5] = "**invalid**: > 1% errors";
}

// ---- HTTP rows ----
ratioRow("GET /v1/health, 32 connections, req/s", series((t, r) => wrk(raw("health32", t, r)).rps), 0, "",
  "≥ 0.70×", (x) => x >= 0.7, errorNotes("health32"));
markInvalid("health32");

{
  const s = series((t, r) => wrk(raw("health1", t, r)).p50ms);
  const direct = mean(s.direct.filter((x) => x !== null));
  const notes = errorNotes("health1");
  const cells = [`${fmt(direct, 3)} ms${notes.direct ?? ""}`];
  let verdict = "n/a";
  for (const p of PROXIES) {
    const added = rounds
      .map((_, i) => (s[p][i] !== null && s.direct[i] !== null ? s[p][i] - s.direct[i] : null))
      .filter((x) => x !== null);
    const v = mean(s[p].filter((x) => x !== null));
    const range = added.length > 1 ? ` (${fmt(Math.min(...added), 3)}–${fmt(Math.max(...added), 3)})` : "";
    cells.push(`${fmt(v, 3)} ms · **+${fmt(mean(added), 3)} ms**${range}${notes[p] ?? ""}`);
    if (p === "gateway" && added.length) verdict = mean(added) <= 0.15 ? "met" : "**missed**";
  }
  rows.push(["GET /v1/health, 1 connection, p50 (added)", ...cells, "≤ +0.15 ms", verdict]);
  markInvalid("health1");
}

ratioRow("PUT 64 KiB /v1/fs/file, 32 connections, req/s", series((t, r) => wrk(raw("put64k", t, r)).rps), 0, "",
  "≥ 0.85×", (x) => x >= 0.85, errorNotes("put64k"));
markInvalid("put64k");

// ---- streaming rows ----
const acpRuns = series((t, r) => acp(raw("acp", t, r)));
ratioRow("prompt → first streamed chunk, median", series((t, r) => acpRuns[t][r - 1]?.firstChunkMedianMs ?? null),
  2, " ms", "≤ 1.2×", (x) => x <= 1.2);
{
  const lost = {};
  for (const t of TARGETS) {
    const runs = acpRuns[t].filter(Boolean);
    const n = runs.reduce((a, x) => a + x.lostIds + x.missingChunks + x.timeouts, 0);
    lost[t] = runs.length < ROUNDS ? " ⚠ client failed" : ` · lost ${n}`;
  }
  ratioRow("prompt → 1,000th chunk of a 1,000-chunk stream, median", series((t, r) =>
    acpRuns[t][r - 1]?.streamMedianMs ?? null), 1, " ms", "≤ 1.3×, 0 lost", (x) => x <= 1.3, lost);
  const lostIn = (t) => acpRuns[t].filter(Boolean).reduce((a, x) => a + x.lostIds + x.missingChunks + x.timeouts, 0);
  if (lostIn("gateway") > 0 || acpRuns.gateway.filter(Boolean).length < ROUNDS) {
    rows[rows.length - 1][5] = "**missed** (lost events)";
  } else if (lostIn("direct") > 0) {
    // Sandbox Agent drops events for a subscriber that falls behind: a starved direct client loses some, and its
    // timing is then not a baseline.
    rows[rows.length - 1][5] += " (direct lost events: ratio not comparable)";
  }
}

// ---- CPU per request ----
// CPU ticks the server under test spent during each health32 run (raw/cpu-health32.<target>.<round>: "ticks hz"),
// over the requests wrk completed: direct is the sandbox's cost, a proxy's is its own on top of that.
function cpuPerRequestUs(t, r) {
  const [ticks, hz] = raw("cpu-health32", t, r).trim().split(" ").map(Number);
  const requests = wrk(raw("health32", t, r)).requests;
  return ticks >= 0 && hz > 0 && requests > 0 ? (ticks / hz) * 1e6 / requests : null;
}
const cpu = series(cpuPerRequestUs);
const cpuCell = (t) => {
  const perRound = cpu[t].filter((x) => x !== null);
  return perRound.length ? `${fmt(mean(perRound), 0)} µs (${perRound.map((x) => fmt(x, 0)).join(", ")})` : "n/a";
};
rows.push(["CPU per request of the server under test, GET /v1/health c=32 (per round)",
  `${cpuCell("direct")} (the sandbox)`, cpuCell("gateway"), cpuCell("jetty-proxy"), "—", "—"]);

// ---- memory and threads ----
function proc(target) {
  const file = join(work, `proc-${target}.txt`);
  if (!existsSync(file)) return null;
  const samples = readFileSync(file, "utf8").trim().split("\n").map((l) => l.split(" ").map(Number))
    .filter((x) => x.length === 4 && x.every((n) => !Number.isNaN(n)));
  if (!samples.length) return null;
  return {
    peakRssMiB: Math.max(...samples.map((x) => Math.max(x[1], x[2]))) / 1024,
    maxThreads: Math.max(...samples.map((x) => x[3])),
    endThreads: samples[samples.length - 1][3],
  };
}
const mem = Object.fromEntries(["sandbox", ...PROXIES].map((t) => [t, proc(t)]));
const rssCell = (m) => (m ? `${fmt(m.peakRssMiB, 0)} MiB` : "n/a");
const rssVerdict = mem.gateway ? (mem.gateway.peakRssMiB <= 300 ? "met" : "**missed**") : "n/a";
rows.push(["peak RSS (VmHWM) during the run", `${rssCell(mem.sandbox)} (the sandbox itself)`, rssCell(mem.gateway),
  rssCell(mem["jetty-proxy"]), "≤ 300 MiB", rssVerdict]);
const thrCell = (m) => (m ? `${m.maxThreads} peak, ${m.endThreads} at end` : "n/a");
rows.push(["live threads", `${thrCell(mem.sandbox)} (the sandbox)`, thrCell(mem.gateway), thrCell(mem["jetty-proxy"]),
  "—", "—"]);

// ---- print ----
const header = ["metric", "direct", "gateway", "jetty-proxy (AsyncProxyServlet)", "target (gateway)", "gateway"];
console.log(`| ${header.join(" | ")} |`);
console.log(`|${header.map(() => "---").join("|")}|`);
for (const r of rows) console.log(`| ${r.join(" | ")} |`);
console.log();
console.log(`Values are means over ${ROUNDS} interleaved round(s) (direct, gateway, jetty-proxy per metric in each ` +
  "round); **ratio** = proxy mean / direct mean, with the per-round ratios in parentheses (for p50: the added " +
  "latency, proxy − direct, per round). Streaming medians are over the prompts of each round; lost = SSE `id:` gaps + " +
  "chunks that never arrived + timeouts.");
const perRound = [];
for (const t of TARGETS) {
  const vals = rounds.map((r) => {
    const h = wrk(raw("health32", t, r)).rps;
    const p = wrk(raw("put64k", t, r)).rps;
    const a = acpRuns[t][r - 1];
    return `r${r}: ${fmt(h, 0)} req/s, p50 ${fmt(wrk(raw("health1", t, r)).p50ms, 3)} ms, PUT ${fmt(p, 0)} req/s, ` +
      `first ${fmt(a?.firstChunkMedianMs, 2)} ms, 1000th ${fmt(a?.streamMedianMs, 1)} ms`;
  });
  perRound.push(`- ${t}: ${vals.join("; ")}`);
}
console.log();
console.log("Per round:");
console.log(perRound.join("\n"));
