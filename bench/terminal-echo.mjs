#!/usr/bin/env node
// Terminal WebSocket load: keystroke round trips and echo throughput through raw ttys of a Sandbox Agent server,
// directly or through the gateway (same script, other --base-url). Needs Node's global WebSocket
// (Node 20: --experimental-websocket).
//
//   node --experimental-websocket terminal-echo.mjs --base-url URL [--sockets 50] [--bytes 1048576] [--keystrokes 500]
// Token from SANDBOX_GATE_BENCH_TOKEN. Prints one JSON line: keystroke round trip p50/p90/p99 (ms) on one socket,
// then the throughput of --sockets sockets each echoing --bytes random bytes at once (MiB/s of echoed payload).

import { randomBytes } from "node:crypto";

const args = Object.fromEntries(process.argv.slice(2).reduce((pairs, a, i, all) =>
  a.startsWith("--") ? [...pairs, [a.slice(2), all[i + 1]]] : pairs, []));
const baseUrl = args["base-url"];
const token = process.env.SANDBOX_GATE_BENCH_TOKEN;
const sockets = Number(args.sockets ?? 50);
const bytes = Number(args.bytes ?? 1 << 20);
const keystrokes = Number(args.keystrokes ?? 500);
if (!baseUrl || !token) throw new Error("--base-url and SANDBOX_GATE_BENCH_TOKEN are required");

async function api(method, path, body) {
  const res = await fetch(baseUrl + path, {
    method, headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
    body: body && JSON.stringify(body),
  });
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
  return res.status === 204 ? null : res.json();
}

/** A raw tty running cat, its terminal socket open, everything before "READY" (the cooked echo) consumed. */
async function rawCat() {
  const proc = await api("POST", "/v1/processes", {
    command: "sh", args: ["-c", "read x; stty raw -echo; printf READY; exec cat"], tty: true, interactive: true,
  });
  const url = baseUrl.replace(/^http/, "ws") + `/v1/processes/${proc.id}/terminal/ws?access_token=${encodeURIComponent(token)}`;
  const ws = new WebSocket(url);
  ws.binaryType = "arraybuffer";
  let seen = "";
  let onData = null;
  await new Promise((resolve, reject) => {
    ws.onerror = () => reject(new Error("socket failed"));
    ws.onmessage = (e) => {
      if (typeof e.data === "string") {
        if (e.data.includes("ready")) ws.send(JSON.stringify({ type: "input", data: "go\n" }));
        return;
      }
      if (onData) return onData(new Uint8Array(e.data));
      seen += Buffer.from(e.data).toString("latin1");
      const at = seen.indexOf("READY");
      if (at >= 0) {
        onData = () => {};
        resolve();
      }
    };
  });
  return { id: proc.id, ws, setOnData: (f) => { onData = f; } };
}

const send = (ws, chunk) => ws.send(JSON.stringify({ type: "input", data: Buffer.from(chunk).toString("base64"), encoding: "base64" }));

async function keystrokeRoundTrips() {
  const t = await rawCat();
  const times = [];
  for (let i = 0; i < keystrokes; i++) {
    const got = new Promise((resolve) => t.setOnData(resolve));
    const start = performance.now();
    t.ws.send(JSON.stringify({ type: "input", data: "x" }));
    await got;
    times.push(performance.now() - start);
  }
  t.ws.close();
  await api("POST", `/v1/processes/${t.id}/kill`).catch(() => {});
  times.sort((a, b) => a - b);
  const q = (p) => Math.round(times[Math.min(times.length - 1, Math.floor(p * times.length))] * 1000) / 1000;
  return { p50: q(0.5), p90: q(0.9), p99: q(0.99) };
}

async function throughput() {
  const terminals = [];
  for (let i = 0; i < sockets; i++) terminals.push(await rawCat());
  const start = performance.now();
  await Promise.all(terminals.map(async (t) => {
    const data = randomBytes(bytes);
    let received = 0;
    const done = new Promise((resolve) => t.setOnData((chunk) => { received += chunk.length; if (received >= bytes) resolve(); }));
    for (let off = 0; off < bytes; off += 48 * 1024) send(t.ws, data.subarray(off, Math.min(bytes, off + 48 * 1024)));
    await done;
  }));
  const seconds = (performance.now() - start) / 1000;
  for (const t of terminals) {
    t.ws.close();
    await api("POST", `/v1/processes/${t.id}/kill`).catch(() => {});
  }
  return { sockets, bytesEach: bytes, seconds: Math.round(seconds * 100) / 100, mibPerSecond: Math.round((sockets * bytes) / (1 << 20) / seconds * 10) / 10 };
}

const config = await api("GET", "/v1/processes/config");
await api("POST", "/v1/processes/config", { ...config, maxConcurrentProcesses: Math.max(config.maxConcurrentProcesses, sockets + 8) });
const keystroke = await keystrokeRoundTrips();
const echo = await throughput();
console.log(JSON.stringify({ baseUrl: baseUrl.replace(/\/\/[^/]*/, "//host"), keystrokeMs: keystroke, echo }));
process.exit(0);
