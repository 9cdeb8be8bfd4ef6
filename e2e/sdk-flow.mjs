#!/usr/bin/env node
// End-to-end flow through the REAL sandbox-agent TypeScript SDK (npm "sandbox-agent", pinned in package.json).
//
// Usage:
//   node sdk-flow.mjs --base-url URL --token TOKEN [--fs-root DIR] [--min-gap-ms MS] [--expect-unauthorized]
// The token may instead come from the environment variable SANDBOX_GATE_E2E_TOKEN (keeps it out of `ps`).
//
// Prints ONE JSON line per step on stdout ({"step":..., "ok":true|false, ...details}; failures carry "error").
// Steps: health, agents, session (createSession mock + 5 chunks 300 ms apart, chunkTimes from performance.now()),
// fs (binary write/read round trip under --fs-root, default /tmp/sandbox-gate-e2e), process (sh -c "echo hi"),
// mcp (set/get/delete an MCP config entry), close (destroySession + dispose).
// The session step fails as buffered when more than one gap between chunks is under --min-gap-ms (default 250) or the
// chunks' spread is under half the agent's (600 ms).
// With --expect-unauthorized: only GET /v1/health and GET /v1/agents, both must fail with HTTP 401 -> step "unauthorized".
// Exit code 0 if every step is ok, else 1. Every step has a timeout; the whole run is capped at 60 s.
// The token is never printed (output is scrubbed of it; tokens under 6 chars are treated as dummies and not scrubbed).

import { performance } from "node:perf_hooks";
import { randomBytes, randomInt, createHash } from "node:crypto";
import path from "node:path";
import { SandboxAgent, SandboxAgentError } from "sandbox-agent";
import { runFlow, step } from "./flow.mjs";

const CHUNKS = 5;
const DELAY_MS = 300;

function assert(cond, message) {
  if (!cond) throw new Error(message);
}

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// ---------------------------------------------------------------- flows
async function unauthorizedFlow(opts) {
  // skipHealthCheck: otherwise the SDK's background health wait retries 401s forever and every call would hang.
  const sdk = await SandboxAgent.connect({ baseUrl: opts.baseUrl, token: opts.token, skipHealthCheck: true });
  await step("unauthorized", 10_000, async () => {
    const checked = {};
    for (const [name, call] of [["health", () => sdk.getHealth()], ["agents", () => sdk.listAgents()]]) {
      let result;
      try {
        result = await call();
      } catch (err) {
        if (err instanceof SandboxAgentError && err.status === 401) {
          checked[name] = { status: 401, contentType: err.response?.headers?.get("content-type") ?? null, problemType: err.problem?.type ?? null };
          continue;
        }
        throw err;
      }
      throw new Error(`${name} unexpectedly succeeded: ${JSON.stringify(result).slice(0, 200)}`);
    }
    return { status: 401, checked };
  });
  await sdk.dispose().catch(() => {});
}

async function fullFlow(opts) {
  const sdk = await SandboxAgent.connect({ baseUrl: opts.baseUrl, token: opts.token, skipHealthCheck: true });
  let session = null;

  await step("health", 10_000, async () => {
    const health = await sdk.getHealth();
    assert(health?.status === "ok", `unexpected health ${JSON.stringify(health)}`);
    return { health };
  });

  await step("agents", 10_000, async () => {
    const res = await sdk.listAgents();
    const ids = (res?.agents ?? []).map((a) => a.id);
    const mock = (res?.agents ?? []).find((a) => a.id === "mock");
    assert(mock, `agent "mock" not listed; got ${JSON.stringify(ids)}`);
    return { agents: ids, mockInstalled: mock.installed };
  });

  await step("session", 25_000, async () => {
    const chunks = []; // {t, text}
    const t0 = performance.now();
    session = await sdk.createSession({ agent: "mock" });
    const createdMs = Math.round(performance.now() - t0);
    session.onEvent((event) => {
      const p = event?.payload;
      if (event?.sender !== "agent" || p?.method !== "session/update") return;
      const update = p.params?.update;
      if (update?.sessionUpdate !== "agent_message_chunk") return;
      chunks.push({ t: performance.now(), text: update.content?.type === "text" ? update.content.text : null });
    });
    // The SDK opens its event stream together with the first ACP POST, so that first GET meets a 404 and the stream
    // reconnects only on a later message: the first prompt's events may then arrive as one bunched replay. A
    // one-chunk warm-up prompt, awaited on the stream, makes the measured prompt start on a live stream.
    await session.prompt([{ type: "text", text: "warm-up chunks=1" }]);
    const warmDeadline = performance.now() + 5_000;
    while (!chunks.some((c) => c.text === "chunk 1/1") && performance.now() < warmDeadline) await sleep(20);
    assert(chunks.some((c) => c.text === "chunk 1/1"), "the warm-up chunk never arrived on the event stream");
    chunks.length = 0;
    const promptStart = performance.now();
    const result = await session.prompt([{ type: "text", text: `hello chunks=${CHUNKS} delayMs=${DELAY_MS}` }]);
    const promptMs = Math.round(performance.now() - promptStart);
    // The prompt result travels on the POST response, the chunks on the SSE stream: let the stream catch up.
    const deadline = performance.now() + 3_000;
    while (chunks.length < CHUNKS && performance.now() < deadline) await sleep(20);

    const chunkTimes = chunks.map((c) => Math.round(c.t));
    const chunkTexts = chunks.map((c) => c.text);
    const gaps = chunkTimes.slice(1).map((t, i) => t - chunkTimes[i]);
    const minGapMs = gaps.length ? Math.min(...gaps) : null;
    const details = {
      sessionId: session.id,
      agentSessionId: session.agentSessionId,
      stopReason: result?.stopReason,
      createdMs,
      promptMs,
      chunkTimes,
      chunkGapsMs: gaps,
      minGapMs,
      chunkTexts,
    };
    const expected = Array.from({ length: CHUNKS }, (_, i) => `chunk ${i + 1}/${CHUNKS}`);
    const problems = [];
    if (result?.stopReason !== "end_turn") problems.push(`stopReason ${JSON.stringify(result?.stopReason)} != "end_turn"`);
    if (JSON.stringify(chunkTexts) !== JSON.stringify(expected)) problems.push(`chunks ${JSON.stringify(chunkTexts)} != ${JSON.stringify(expected)}`);
    // A buffering relay delivers the chunks together (gaps near 0, the spread from first to last near 0). A busy
    // host may hold one chunk back until the next is due, making one short gap: one is forgiven, not two, and the
    // spread must still be at least half the agent's.
    const shortGaps = gaps.filter((g) => g < opts.minGapMs).length;
    const spreadMs = chunkTimes.length > 1 ? chunkTimes[chunkTimes.length - 1] - chunkTimes[0] : null;
    if (opts.minGapMs > 0 && spreadMs !== null
        && (shortGaps > 1 || spreadMs < ((CHUNKS - 1) * DELAY_MS) / 2))
      problems.push(`chunks arrived ${JSON.stringify(gaps)} ms apart (${shortGaps} under ${opts.minGapMs} ms, spread ` +
        `${spreadMs} ms): stream is buffered`);
    if (problems.length) {
      throw Object.assign(new Error(problems.join("; ")), { details });
    }
    return details;
  });

  await step("fs", 15_000, async () => {
    const dir = opts.fsRoot;
    const file = path.posix.join(dir, `sdk-flow-${randomBytes(6).toString("hex")}.bin`);
    // 256 bytes: a random permutation of 0x00..0xFF, so 0x00, 0xFF and invalid UTF-8 are all present.
    const data = Uint8Array.from({ length: 256 }, (_, i) => i);
    for (let i = data.length - 1; i > 0; i--) {
      const j = randomInt(i + 1);
      [data[i], data[j]] = [data[j], data[i]];
    }
    await sdk.mkdirFs({ path: dir });
    const written = await sdk.writeFsFile({ path: file }, data);
    const back = await sdk.readFsFile({ path: file });
    const equal = back.length === data.length && back.every((b, i) => b === data[i]);
    await sdk.deleteFsEntry({ path: file });
    const sha = (b) => createHash("sha256").update(b).digest("hex");
    assert(written?.bytesWritten === data.length, `bytesWritten ${written?.bytesWritten} != ${data.length}`);
    assert(equal, `read back ${back.length} bytes (sha256 ${sha(back)}) != written ${data.length} bytes (sha256 ${sha(data)})`);
    return { path: file, bytes: data.length, sha256: sha(data) };
  });

  await step("process", 15_000, async () => {
    const res = await sdk.runProcess({ command: "sh", args: ["-c", "echo hi"], timeoutMs: 10_000 });
    assert(res?.exitCode === 0, `exitCode ${res?.exitCode}, stderr ${JSON.stringify(res?.stderr)}`);
    assert(res?.stdout === "hi\n", `stdout ${JSON.stringify(res?.stdout)} != "hi\\n"`);
    return { exitCode: res.exitCode, stdout: res.stdout, timedOut: res.timedOut };
  });

  await step("mcp", 15_000, async () => {
    const directory = path.posix.join(opts.fsRoot, `mcp-${randomBytes(6).toString("hex")}`);
    const mcpName = "sandbox-gate-e2e";
    const config = { type: "local", command: "echo", args: ["sandbox-gate-e2e", "a b&c=d"], env: { E2E: "1" } };
    await sdk.mkdirFs({ path: directory });
    await sdk.setMcpConfig({ directory, mcpName }, config);
    const back = await sdk.getMcpConfig({ directory, mcpName });
    for (const key of Object.keys(config)) {
      assert(JSON.stringify(back?.[key]) === JSON.stringify(config[key]), `field ${key}: ${JSON.stringify(back?.[key])} != ${JSON.stringify(config[key])}`);
    }
    await sdk.deleteMcpConfig({ directory, mcpName });
    let afterDelete;
    try {
      afterDelete = await sdk.getMcpConfig({ directory, mcpName });
    } catch (err) {
      if (!(err instanceof SandboxAgentError) || err.status !== 404) throw err;
      afterDelete = 404;
    }
    assert(afterDelete === 404, `entry still present after delete: ${JSON.stringify(afterDelete)}`);
    await sdk.deleteFsEntry({ path: directory, recursive: true }).catch(() => {});
    return { directory, mcpName, readBack: back, afterDeleteStatus: 404 };
  });

  await step("close", 10_000, async () => {
    const out = {};
    if (session) {
      const destroyed = await sdk.destroySession(session.id);
      out.destroyedAt = destroyed?.destroyedAt ?? null;
    }
    // dispose() DELETEs /v1/acp/{serverId} with a 2 s client-side timeout and ignores its failure
    // (sandbox-agent 0.4.2 only answers that DELETE once the agent process has exited). It can hang forever when
    // the ACP connection never finished initializing (e.g. after a 401), so cap it; that case is not a close failure.
    const disposed = await Promise.race([sdk.dispose().then(() => true), sleep(5_000).then(() => false)]);
    if (!disposed && session) throw new Error("sdk.dispose() did not finish within 5000 ms");
    out.disposed = disposed;
    return out;
  });
}

// ---------------------------------------------------------------- main
await runFlow({
  options: {
    "--fs-root": ["fsRoot", String],
    "--min-gap-ms": ["minGapMs", Number],
    "--expect-unauthorized": ["expectUnauthorized", true],
  },
  defaults: { fsRoot: "/tmp/sandbox-gate-e2e", minGapMs: 250, expectUnauthorized: false },
  prepare(opts) {
    if (!path.isAbsolute(opts.fsRoot)) opts.fsRoot = path.resolve(opts.fsRoot);
    if (!Number.isFinite(opts.minGapMs)) throw new Error("--min-gap-ms must be a number");
  },
}, (opts) => (opts.expectUnauthorized ? unauthorizedFlow(opts) : fullFlow(opts)));
