// What the e2e flows (sdk-flow.mjs, terminal-flow.mjs) share: their arguments, their output (ONE JSON line per step on
// stdout: {"step":..., "ok":true|false, "ms":..., ...details}; failures carry "error", and "status"/"problem" for an
// HTTP error; the Java side (SdkFlow) reads these lines), steps with timeouts, the overall cap and the exit code
// (0 if every step is ok, else 1). Secrets are scrubbed from everything printed, stderr included.

import { performance } from "node:perf_hooks";
import { format } from "node:util";
import { SandboxAgentError } from "sandbox-agent";

const OVERALL_TIMEOUT_MS = 60_000;

let failed = false; // any step failed
const secrets = []; // scrubbed from everything we print

/** Adds values to scrub; those under 6 chars are test dummies (scrubbing them would mangle the JSON keys). */
export function keepSecret(...values) {
  for (const value of values) if (value && value.length >= 6) secrets.push(value);
}

function scrub(s) {
  s = String(s);
  for (const secret of secrets) s = s.split(secret).join("***");
  return s;
}

export function emit(obj) {
  process.stdout.write(scrub(JSON.stringify(obj)) + "\n");
}

function errorInfo(err) {
  const info = { error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
  if (err instanceof SandboxAgentError || (err && typeof err.status === "number")) {
    info.status = err.status;
    if (err.problem) info.problem = err.problem;
  }
  return info;
}

/**
 * Parses `--base-url URL` and `--token TOKEN` (else SANDBOX_GATE_E2E_TOKEN, which keeps it out of `ps`), both
 * required, and the flow's own `options`: {"--flag": [key, parse]} takes a value (parse: String, Number...),
 * {"--flag": [key, true]} is a switch.
 */
function parseArgs(argv, options, defaults) {
  const all = { "--base-url": ["baseUrl", String], "--token": ["token", String], ...options };
  const out = { ...defaults };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!Object.hasOwn(all, a)) throw new Error(`unknown argument ${a}`);
    const [key, parse] = all[a];
    if (parse === true) {
      out[key] = true;
      continue;
    }
    if (i + 1 >= argv.length) throw new Error(`missing value for ${a}`);
    out[key] = parse(argv[++i]);
  }
  out.token ??= process.env.SANDBOX_GATE_E2E_TOKEN;
  if (!out.baseUrl) throw new Error("--base-url is required");
  if (!out.token) throw new Error("--token (or SANDBOX_GATE_E2E_TOKEN) is required");
  return out;
}

// The ACP transport posts messages fire-and-forget: an HTTP failure there (401, 5xx, connection refused) surfaces as
// an unhandled rejection, not as a rejection of createSession()/prompt(). Route it to the running step (fail fast
// instead of crashing node or waiting for the step timeout).
let failCurrentStep = null;

function withTimeout(promise, ms, what) {
  let timer;
  const timeout = new Promise((_, reject) => {
    timer = setTimeout(() => reject(new Error(`timeout after ${ms} ms: ${what}`)), ms);
    failCurrentStep = reject;
  });
  return Promise.race([promise, timeout]).finally(() => {
    clearTimeout(timer);
    failCurrentStep = null;
  });
}

/** Runs one step within timeoutMs and prints its line; `fn` returns the details to print (an error may carry some). */
export async function step(name, timeoutMs, fn) {
  const started = performance.now();
  try {
    const details = (await withTimeout(Promise.resolve().then(fn), timeoutMs, name)) ?? {};
    emit({ step: name, ok: true, ms: Math.round(performance.now() - started), ...details });
    return true;
  } catch (err) {
    failed = true;
    emit({ step: name, ok: false, ms: Math.round(performance.now() - started), ...(err?.details ?? {}), ...errorInfo(err) });
    return false;
  }
}

/**
 * Runs a flow: parses the arguments (a failure is step "args"), lets `prepare(opts)` check the rest, runs
 * `flow(opts)` (a throw is step "fatal") within 60 s overall, and exits.
 */
export async function runFlow({ options = {}, defaults = {}, prepare = () => {} }, flow) {
  process.stdout.on("error", () => process.exit(1)); // reader went away (EPIPE)
  // The SDK logs to the console (e.g. "ACP write error: ..."): keep that on stderr, scrubbed.
  for (const level of ["log", "info", "warn", "error", "debug"]) {
    console[level] = (...args) => process.stderr.write(scrub(format(...args)) + "\n");
  }
  process.on("unhandledRejection", (err) => {
    if (failCurrentStep) failCurrentStep(err);
    else {
      failed = true;
      emit({ step: "async-error", ok: false, ...errorInfo(err) });
    }
  });
  const overall = setTimeout(() => {
    emit({ step: "overall", ok: false, error: `overall timeout after ${OVERALL_TIMEOUT_MS} ms` });
    process.exit(1);
  }, OVERALL_TIMEOUT_MS);

  let opts;
  try {
    opts = parseArgs(process.argv.slice(2), options, defaults);
    keepSecret(opts.token);
    prepare(opts);
  } catch (err) {
    emit({ step: "args", ok: false, error: err.message });
    process.exit(1);
  }

  try {
    await flow(opts);
  } catch (err) {
    failed = true;
    emit({ step: "fatal", ok: false, ...errorInfo(err) });
  }
  clearTimeout(overall);
  // The SDK may keep an SSE reader or a stray fetch alive: exit explicitly.
  process.exit(failed ? 1 : 0);
}
