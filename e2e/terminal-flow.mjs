#!/usr/bin/env node
// An interactive terminal through the REAL sandbox-agent TypeScript SDK (npm "sandbox-agent", pinned in package.json):
// sdk.createProcess({ tty: true }) and sdk.connectProcessTerminal(id), the WebSocket the SDK opens with its token
// in the access_token query parameter.
//
// Usage (Node 20 needs --experimental-websocket for the global WebSocket the SDK uses):
//   node --experimental-websocket terminal-flow.mjs --base-url URL [--token TOKEN] [--expect-refused STATUS]
// The token may instead come from SANDBOX_GATE_E2E_TOKEN (keeps it out of `ps`).
//
// Prints ONE JSON line per step on stdout ({"step":..., "ok":true|false, ...}; failures carry "error"):
//   create  createProcess sh with a tty
//   ready   connectProcessTerminal, the server's "ready" frame
//   echo    type `echo hello-$((6*7))` (text input), read "hello-42" back
//   resize  resize to 123x45, then `stty size` prints "45 123"
//   binary  binary input (Uint8Array), its command's output read back
//   close   session.close(): the socket closes
//   exit    a second terminal: `exit 3` -> the server's exit frame (exitCode 3), then the server closes the socket
// With --expect-refused STATUS: only "refused": the terminal socket must fail to open, and the process must be
// created with a valid token first (--token is then the bad one, SANDBOX_GATE_E2E_GOOD_TOKEN the good one).
// Exit code 0 if every step is ok, else 1. The whole run is capped at 60 s. Tokens are never printed.

import { SandboxAgent } from "sandbox-agent";
import { keepSecret, runFlow, step } from "./flow.mjs";

/** Everything a terminal has printed so far (decoded), and a way to wait for a pattern in it. */
function collect(session) {
  const decoder = new TextDecoder();
  const state = { text: "", waiters: [] };
  session.onData((bytes) => {
    state.text += decoder.decode(bytes, { stream: true });
    state.waiters = state.waiters.filter((w) => !(w.pattern.test(state.text) && (w.resolve(), true)));
  });
  state.waitFor = (pattern) =>
    new Promise((resolve) => {
      if (pattern.test(state.text)) resolve();
      else state.waiters.push({ pattern, resolve });
    });
  return state;
}

async function openTerminal(sdk, id) {
  const session = sdk.connectProcessTerminal(id);
  const ready = new Promise((resolve, reject) => {
    session.onReady(resolve);
    session.onError((e) => reject(e instanceof Error ? e : new Error(JSON.stringify(e))));
    session.onClose(() => reject(new Error("closed before ready")));
  });
  return { session, ready };
}

async function createShell(sdk) {
  return sdk.createProcess({ command: "sh", args: [], tty: true, interactive: true, env: { PS1: "$ " } });
}

async function fullFlow(opts) {
  const sdk = await SandboxAgent.connect({ baseUrl: opts.baseUrl, token: opts.token, skipHealthCheck: true });
  const created = [];
  let proc, session, out;

  await step("create", 10_000, async () => {
    proc = await createShell(sdk);
    created.push(proc.id);
    if (!proc.tty) throw new Error(`process is not a tty: ${JSON.stringify(proc)}`);
    return { id: proc.id, tty: proc.tty };
  });

  await step("ready", 10_000, async () => {
    const t = await openTerminal(sdk, proc.id);
    session = t.session;
    out = collect(session);
    const frame = await t.ready;
    if (frame.processId !== proc.id) throw new Error(`ready for ${frame.processId}, not ${proc.id}`);
    return { processId: frame.processId };
  });

  await step("echo", 10_000, async () => {
    session.sendInput("echo hello-$((6*7))\n");
    await out.waitFor(/hello-42/);
    return { saw: "hello-42" };
  });

  await step("resize", 10_000, async () => {
    session.resize({ cols: 123, rows: 45 });
    session.sendInput("stty size\n");
    await out.waitFor(/45 123/);
    return { size: "45 123" };
  });

  await step("binary", 10_000, async () => {
    session.sendInput(new TextEncoder().encode("printf 'bin-%s\\n' $((2+3))\n"));
    await out.waitFor(/bin-5/);
    return { saw: "bin-5" };
  });

  await step("close", 10_000, async () => {
    session.close();
    await session.closed;
    return {};
  });

  await step("exit", 15_000, async () => {
    const second = await createShell(sdk);
    created.push(second.id);
    const t = await openTerminal(sdk, second.id);
    await t.ready;
    const exited = new Promise((resolve) => t.session.onExit(resolve));
    t.session.sendInput("exit 3\n");
    const status = await exited;
    await t.session.closed;
    if (status.exitCode !== 3) throw new Error(`exit code ${status.exitCode}, not 3`);
    return { exitCode: status.exitCode };
  });

  for (const id of created) {
    await sdk.killProcess(id).catch(() => {});
    await sdk.deleteProcess(id).catch(() => {});
  }
  await sdk.dispose().catch(() => {});
}

async function refusedFlow(opts) {
  const good = await SandboxAgent.connect({ baseUrl: opts.baseUrl, token: opts.goodToken, skipHealthCheck: true });
  const bad = await SandboxAgent.connect({ baseUrl: opts.baseUrl, token: opts.token, skipHealthCheck: true });
  const proc = await createShell(good);
  await step("refused", 10_000, async () => {
    // A browser's WebSocket API does not expose the handshake's status: the socket just fails (Node 20's undici
    // fires "error" and, unlike browsers, no "close").
    const socket = bad.connectProcessTerminalWebSocket(proc.id);
    const outcome = await new Promise((resolve) => {
      socket.addEventListener("open", () => resolve("open"));
      socket.addEventListener("error", () => resolve("error"));
      socket.addEventListener("close", (e) => resolve(`close ${e.code}`));
    });
    if (outcome === "open") throw new Error("the terminal opened with a refused credential");
    return { outcome };
  });
  await good.killProcess(proc.id).catch(() => {});
  await good.deleteProcess(proc.id).catch(() => {});
}

await runFlow({
  options: { "--expect-refused": ["expectRefused", Number] },
  prepare(opts) {
    opts.goodToken = process.env.SANDBOX_GATE_E2E_GOOD_TOKEN ?? opts.token;
    keepSecret(opts.goodToken);
    if (typeof globalThis.WebSocket !== "function") throw new Error("no global WebSocket: run node with --experimental-websocket");
  },
}, (opts) => (opts.expectRefused ? refusedFlow(opts) : fullFlow(opts)));
