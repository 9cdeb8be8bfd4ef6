#!/usr/bin/env node
// Mock ACP agent for Sandbox Gate end-to-end tests. Plain node, no npm dependencies.
//
// Protocol: JSON-RPC 2.0, one JSON object per line on stdin (requests from the server) and stdout (our replies and
// notifications). stderr is free for diagnostics (the server only logs it).
//   initialize      -> {protocolVersion:1, agentCapabilities:{...}, agentInfo, authMethods:[]} plus the legacy
//                      {capabilities:{}, serverInfo} keys. The SDK (@agentclientprotocol/sdk) reads agentCapabilities /
//                      authMethods (authMethods MUST be empty or the SDK tries to authenticate); the extra keys are
//                      harmless.
//   session/new     -> {sessionId} (unique per call: "mock-<pid>-<n>-<random>")
//   session/prompt  -> N `session/update` notifications
//                      {sessionId, update:{sessionUpdate:"agent_message_chunk", content:{type:"text", text:"chunk i/N"}}}
//                      (i = 1..N) M ms apart, then the result {stopReason:"end_turn"}.
//                      N and M come from the prompt text: "chunks=N" (default 3, 0 allowed) and "delayMs=M" (default 0).
//                      Optional "pad=K" appends " " + K 'x' characters to every chunk text (bigger payloads).
//                      With delay 0 the chunks are written in a few large stdout writes (1000+ chunks are fine).
//   session/cancel  (notification) stops a running prompt of that session; its result is then {stopReason:"cancelled"}.
//   any other request with an id -> {}; other notifications are ignored.
//
// Installation (verified against sandbox-agent 0.4.2): copy this file, executable, to
//   $XDG_DATA_HOME/sandbox-agent/bin/agent_processes/mock-acp
// and start `sandbox-agent server --no-telemetry -H 127.0.0.1 -p PORT -t TOKEN` with that XDG_DATA_HOME. The agent id
// is then `mock`. Nothing else is needed: no manifest, no install call, no extra env. The server execs the file
// directly with no arguments (so the shebang is used and `node` must be on the server's PATH) when the first
// POST /v1/acp/{serverId}?agent=mock arrives; one process per serverId. `mock` is a builtin id: GET /v1/agents always
// lists it, with "installed": true only when this file exists; without the file POST /v1/acp/...?agent=mock fails with
// 502 "failed to start agent process" (the server does not create it by itself).
//
// Lifecycle: the process exits when its stdin closes. This matters: in 0.4.2, DELETE /v1/acp/{serverId} removes the
// server id at once but then never answers while the agent process is alive (apparently its kill waits on a lock held by
// the exit watcher). Only when the HTTP client gives up (the SDK aborts that DELETE after 2 s) does the server drop the
// process's stdin; this mock then exits and the DELETE handler finishes. Killing the server also closes stdin.
//
// Bursts: with delay 0, 1000-2000 chunks reached an SDK client intact; at 5000 the server itself dropped some
// (its per-process broadcast channel lags), so keep "no loss" tests at <= 1000 chunks.

import { createInterface } from "node:readline";

const DEFAULT_CHUNKS = 3;
const DEFAULT_DELAY_MS = 0;

let sessionCounter = 0;
const running = new Map(); // sessionId -> {cancelled:boolean}

function send(obj) {
  process.stdout.write(JSON.stringify(obj) + "\n");
}

function reply(id, result) {
  send({ jsonrpc: "2.0", id, result });
}

function replyError(id, code, message) {
  send({ jsonrpc: "2.0", id, error: { code, message } });
}

function promptText(params) {
  const blocks = Array.isArray(params?.prompt) ? params.prompt : [];
  return blocks
    .filter((b) => b && b.type === "text" && typeof b.text === "string")
    .map((b) => b.text)
    .join("\n");
}

function intOption(text, name, dflt) {
  const m = new RegExp(`\\b${name}=(\\d+)`).exec(text);
  if (!m) return dflt;
  const n = Number.parseInt(m[1], 10);
  return Number.isSafeInteger(n) ? n : dflt;
}

function chunkLine(sessionId, i, n, pad) {
  const text = pad > 0 ? `chunk ${i}/${n} ${"x".repeat(pad)}` : `chunk ${i}/${n}`;
  return (
    JSON.stringify({
      jsonrpc: "2.0",
      method: "session/update",
      params: { sessionId, update: { sessionUpdate: "agent_message_chunk", content: { type: "text", text } } },
    }) + "\n"
  );
}

function handlePrompt(id, params) {
  const sessionId = params?.sessionId;
  const text = promptText(params);
  const n = intOption(text, "chunks", DEFAULT_CHUNKS);
  const delayMs = intOption(text, "delayMs", DEFAULT_DELAY_MS);
  const pad = intOption(text, "pad", 0);
  const state = { cancelled: false };
  running.set(sessionId, state);
  const finish = () => {
    if (running.get(sessionId) === state) running.delete(sessionId);
    reply(id, { stopReason: state.cancelled ? "cancelled" : "end_turn" });
  };

  if (delayMs === 0) {
    // Batch into writes of ~1 MiB so huge N stays fast without building one giant string.
    let buf = "";
    for (let i = 1; i <= n; i++) {
      buf += chunkLine(sessionId, i, n, pad);
      if (buf.length >= 1 << 20) {
        process.stdout.write(buf);
        buf = "";
      }
    }
    if (buf) process.stdout.write(buf);
    finish();
    return;
  }

  let i = 1;
  const tick = () => {
    if (state.cancelled || i > n) {
      finish();
      return;
    }
    process.stdout.write(chunkLine(sessionId, i, n, pad));
    i++;
    if (i > n) finish();
    else setTimeout(tick, delayMs);
  };
  tick();
}

function handle(msg) {
  if (!msg || typeof msg !== "object") return;
  const { id, method, params } = msg;
  const isRequest = id !== undefined && id !== null && typeof method === "string";
  if (typeof method !== "string") return; // a response to something we never sent: ignore

  switch (method) {
    case "initialize":
      if (isRequest)
        reply(id, {
          protocolVersion: 1,
          agentCapabilities: {
            loadSession: false,
            promptCapabilities: { image: false, audio: false, embeddedContext: false },
            mcpCapabilities: { http: false, sse: false },
          },
          agentInfo: { name: "sandbox-gate-mock", version: "1" },
          authMethods: [],
          capabilities: {},
          serverInfo: { name: "sandbox-gate-mock", version: "1" },
        });
      return;
    case "session/new":
      if (isRequest) {
        sessionCounter++;
        reply(id, { sessionId: `mock-${process.pid}-${sessionCounter}-${Math.random().toString(36).slice(2, 10)}` });
      }
      return;
    case "session/prompt":
      if (!isRequest) return;
      if (typeof params?.sessionId !== "string") {
        replyError(id, -32602, "session/prompt requires params.sessionId");
        return;
      }
      handlePrompt(id, params);
      return;
    case "session/cancel": {
      const state = running.get(params?.sessionId);
      if (state) state.cancelled = true;
      if (isRequest) reply(id, {});
      return;
    }
    default:
      if (isRequest) reply(id, {});
  }
}

const rl = createInterface({ input: process.stdin, crlfDelay: Infinity });
rl.on("line", (line) => {
  const trimmed = line.trim();
  if (!trimmed) return;
  let msg;
  try {
    msg = JSON.parse(trimmed);
  } catch {
    send({ jsonrpc: "2.0", id: null, error: { code: -32700, message: "Parse error" } });
    return;
  }
  if (Array.isArray(msg)) msg.forEach(handle);
  else handle(msg);
});
// On stdin EOF just stop reading: running prompts finish and stdout drains, then node exits by itself
// (process.exit() here could drop stdout data still queued for a full pipe).
rl.on("close", () => {});
process.stdout.on("error", () => process.exit(0)); // server went away (EPIPE)
