#!/usr/bin/env node
// The load benchmark's streaming client (bench/load.sh runs it once per target and round). Plain node, no npm deps.
//
//   node bench/acp-stream.mjs BASE_URL TOKEN LABEL [firstChunkPrompts=30] [streams=5] [chunks=1000] [cwd=/workspace]
//
// BASE_URL is what the SDK would get as baseUrl: http://127.0.0.1:P (direct) or http://127.0.0.1:P/sandbox/ws.
// It starts the mock agent (POST /v1/acp/{id}?agent=mock initialize, then session/new), opens the SSE stream
// (GET /v1/acp/{id}, Accept: text/event-stream) and then, on that one stream (cwd: the session's working directory,
// which must lie inside the gateway's fs-root):
//   1. prompts "chunks=1 delayMs=0" (3 warm-ups, then firstChunkPrompts times) and times POST session/prompt -> the
//      chunk's SSE event;
//   2. prompts "chunks=N delayMs=0" `streams` times and times POST session/prompt -> the N-th chunk's event.
// Lost events: gaps in the SSE `id:` sequence over the whole stream, plus chunks of a prompt that never arrived.
// Prints one JSON line: {label, firstChunkMs:[...], streamMs:[...], firstChunkMedianMs, streamMedianMs, lostIds,
// missingChunks, events}. Exits 1 on a protocol failure. Every wait is bounded; the process ends by itself.

import http from "node:http";

const [baseUrl, token, label = "target", firstArg = "30", streamsArg = "5", chunksArg = "1000", cwd = "/workspace"] =
  process.argv.slice(2);
if (!baseUrl || !token) {
  console.error("usage: acp-stream.mjs BASE_URL TOKEN LABEL [firstChunkPrompts] [streams] [chunks]");
  process.exit(2);
}
const FIRST_PROMPTS = Number(firstArg);
const STREAMS = Number(streamsArg);
const CHUNKS = Number(chunksArg);
const WARMUPS = 3;
const WAIT_MS = 15_000;

const agent = new http.Agent({ keepAlive: true, maxSockets: 4 });
const serverId = `bench-${label}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`;
const base = new URL(baseUrl.replace(/\/$/, ""));
const now = () => Number(process.hrtime.bigint()) / 1e6; // ms

function acpPath(query = "") {
  return `${base.pathname === "/" ? "" : base.pathname}/v1/acp/${serverId}${query}`;
}

let rpcId = 0;
function rpc(method, params, query = "") {
  const body = JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params });
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: base.hostname,
        port: base.port,
        path: acpPath(query),
        method: "POST",
        agent,
        headers: {
          Authorization: `Bearer ${token}`,
          "Content-Type": "application/json",
          Accept: "application/json",
          "Content-Length": Buffer.byteLength(body),
        },
        timeout: 30_000,
      },
      (res) => {
        let text = "";
        res.setEncoding("utf8");
        res.on("data", (d) => (text += d));
        res.on("end", () => {
          if (res.statusCode !== 200) return reject(new Error(`${method} answered ${res.statusCode}: ${text}`));
          try {
            const msg = JSON.parse(text);
            if (msg.error) return reject(new Error(`${method} failed: ${JSON.stringify(msg.error)}`));
            resolve(msg.result);
          } catch (e) {
            reject(new Error(`${method} answered non-JSON: ${text.slice(0, 200)}`));
          }
        });
      },
    );
    req.on("timeout", () => req.destroy(new Error(`${method} timed out`)));
    req.on("error", reject);
    req.end(body);
  });
}

// ---- the SSE stream ----
let lastId = null;
let lostIds = 0;
let events = 0;
let waiter = null; // {index, resolve}
const seen = new Set(); // chunk indices of the current prompt

function onEvent(id, data) {
  events++;
  if (id !== null) {
    const n = Number(id);
    if (lastId !== null && n !== lastId + 1) lostIds += Math.max(0, n - lastId - 1);
    lastId = n;
  }
  if (!data) return;
  let msg;
  try {
    msg = JSON.parse(data);
  } catch {
    return;
  }
  const update = msg?.params?.update;
  if (msg?.method !== "session/update" || update?.sessionUpdate !== "agent_message_chunk") return;
  const m = /^chunk (\d+)\/(\d+)/.exec(update.content?.text ?? "");
  if (!m) return;
  const index = Number(m[1]);
  seen.add(index);
  if (waiter && index === waiter.index) {
    const w = waiter;
    waiter = null;
    w.resolve(now());
  }
}

function openStream() {
  return new Promise((resolve, reject) => {
    const req = http.request({
      host: base.hostname,
      port: base.port,
      path: acpPath(),
      method: "GET",
      headers: { Authorization: `Bearer ${token}`, Accept: "text/event-stream" },
    });
    const timer = setTimeout(() => reject(new Error("the SSE stream's headers did not arrive within 10 s")), 10_000);
    req.on("response", (res) => {
      clearTimeout(timer);
      if (res.statusCode !== 200) return reject(new Error(`GET /v1/acp/{id} answered ${res.statusCode}`));
      res.setEncoding("utf8");
      let buf = "";
      let id = null;
      let data = [];
      res.on("data", (text) => {
        buf += text;
        let nl;
        while ((nl = buf.indexOf("\n")) >= 0) {
          let line = buf.slice(0, nl);
          buf = buf.slice(nl + 1);
          if (line.endsWith("\r")) line = line.slice(0, -1);
          if (line === "") {
            if (data.length || id !== null) onEvent(id, data.join("\n"));
            id = null;
            data = [];
          } else if (line.startsWith("id:")) {
            id = line.slice(3).trim();
          } else if (line.startsWith("data:")) {
            data.push(line.slice(5).replace(/^ /, ""));
          }
        }
      });
      res.on("error", () => {});
      resolve(req);
    });
    req.on("error", reject);
    req.end();
  });
}

async function timedPrompt(sessionId, chunks) {
  seen.clear();
  const arrived = new Promise((resolve) => {
    waiter = { index: chunks, resolve };
  });
  const start = now();
  const result = rpc("session/prompt", { sessionId, prompt: [{ type: "text", text: `chunks=${chunks} delayMs=0` }] });
  let timer;
  const timeout = new Promise((resolve) => (timer = setTimeout(() => resolve(null), WAIT_MS)));
  const at = await Promise.race([arrived, timeout]);
  clearTimeout(timer);
  await result; // the turn's end_turn, before the next prompt
  waiter = null;
  return { ms: at === null ? null : at - start, missing: chunks - seen.size };
}

function median(xs) {
  const s = xs.filter((x) => x !== null).sort((a, b) => a - b);
  if (!s.length) return null;
  const mid = s.length >> 1;
  return s.length % 2 ? s[mid] : (s[mid - 1] + s[mid]) / 2;
}

const round3 = (x) => (x === null ? null : Math.round(x * 1000) / 1000);

async function main() {
  await rpc("initialize", { protocolVersion: 1, clientCapabilities: {} }, "?agent=mock");
  const { sessionId } = await rpc("session/new", { cwd, mcpServers: [] });
  const sse = await openStream();
  let missingChunks = 0;
  const firstChunkMs = [];
  for (let i = 0; i < WARMUPS + FIRST_PROMPTS; i++) {
    const r = await timedPrompt(sessionId, 1);
    missingChunks += r.missing;
    if (i >= WARMUPS) firstChunkMs.push(r.ms);
  }
  const streamMs = [];
  for (let i = 0; i < STREAMS; i++) {
    const r = await timedPrompt(sessionId, CHUNKS);
    missingChunks += r.missing;
    streamMs.push(r.ms);
  }
  await new Promise((r) => setTimeout(r, 50)); // late events still count
  sse.destroy();
  agent.destroy();
  console.log(
    JSON.stringify({
      label,
      firstChunkMedianMs: round3(median(firstChunkMs)),
      streamMedianMs: round3(median(streamMs)),
      lostIds,
      missingChunks,
      timeouts: [...firstChunkMs, ...streamMs].filter((x) => x === null).length,
      events,
      firstChunkMs: firstChunkMs.map(round3),
      streamMs: streamMs.map(round3),
    }),
  );
}

const watchdog = setTimeout(() => {
  console.error("acp-stream: gave up after 90 s");
  process.exit(1);
}, 90_000);
watchdog.unref();
main().then(
  () => process.exit(0),
  (e) => {
    console.error(`acp-stream (${label}): ${e.message}`);
    process.exit(1);
  },
);
