#!/usr/bin/env bash
# Load benchmark: a real Sandbox Agent server (mock agent) measured direct, through the Sandbox Gate launcher, and
# through Jetty 12's AsyncProxyServlet (tuned to stream), interleaved A B C per metric in every round so drift
# cancels. Prints a markdown table with ratios to direct, each proxy's peak RSS and thread count, and appends it with
# the machine, command and date to bench/results-<date>.md.
#
#   bench/load.sh                     # from the repository root (or anywhere: it cds there)
#
# Environment (all optional):
#   BENCH_ROUNDS=2          interleaved rounds
#   BENCH_DURATION=5        seconds per wrk run
#   BENCH_PROMPTS=30        prompts for the "first chunk" median
#   BENCH_STREAMS=5         1,000-chunk streams per target and round
#   GATEWAY_JAVA_OPTS=      JVM options for the gateway only (e.g. -XX:StartFlightRecording=filename=gw.jfr); empty =
#                           the launcher's defaults, which is what the targets are about. Any JVM option replaces the
#                           launcher's JVM defaults (add -XX:+UseSerialGC -Xms64m to keep them; see README)
#   BENCH_RESULTS=          results file (default bench/results-<UTC date>.md; a run appends a section)
#   BENCH_KEEP=1            keep the scratch directory (logs, raw wrk output) instead of deleting it
#   BENCH_QUIET_WAIT=30     seconds to wait at the start for other work on the host to calm down (< 25% CPU)
#
# Needs Java 17, Node.js 20, curl; builds the launcher (./mvnw package), the pinned sandbox (npm ci --prefix e2e)
# and the Jetty peer (bench/pom.xml) when missing, and installs wrk with apt-get when missing. Every server binds
# 127.0.0.1 on a free port; all are stopped by PID on exit. Runs in about 3 minutes.
set -euo pipefail

cd "$(dirname "${BASH_SOURCE[0]}")/.."
ROOT=$PWD
ROUNDS=${BENCH_ROUNDS:-2}
DURATION=${BENCH_DURATION:-5}
PROMPTS=${BENCH_PROMPTS:-30}
STREAMS=${BENCH_STREAMS:-5}
GATEWAY_JAVA_OPTS=${GATEWAY_JAVA_OPTS:-}
RESULTS=${BENCH_RESULTS:-bench/results-$(date -u +%F).md}
AGENT_BIN=e2e/node_modules/@sandbox-agent/cli-linux-x64/bin/sandbox-agent
TARGETS=(direct gateway jetty-proxy)
STARTED=$(date +%s)
LOAD_START=$(cut -d' ' -f1-3 /proc/loadavg)

log() { printf '[%3ss] %s\n' "$(($(date +%s) - STARTED))" "$*" >&2; }
die() { log "FAILED: $*"; exit 1; }

# ---------------------------------------------------------------------------------------------------------------
# Prerequisites: use what the build produced; build only what is missing.
if [[ ! -f sample-war/target/sandbox-gate-launcher.jar || ! -f sample-war/target/sandbox-gate.war \
      || ! -d sample-war/target/lib ]]; then
  log "building the launcher (./mvnw -q -B package -DskipTests)"
  ./mvnw -q -B package -DskipTests
fi
if [[ ! -f $AGENT_BIN ]]; then
  log "installing the pinned Sandbox Agent (npm ci --prefix e2e)"
  npm ci --prefix e2e --no-audit --no-fund >/dev/null
fi
chmod +x "$AGENT_BIN" # npm skips the package's postinstall chmod
if [[ ! -f bench/target/jetty-proxy-peer.jar || ! -d bench/target/lib \
      || bench/src/main/java/dev/sandboxgate/bench/JettyProxyPeer.java -nt bench/target/jetty-proxy-peer.jar ]]; then
  log "building the Jetty AsyncProxyServlet peer (./mvnw -q -B -f bench/pom.xml package)"
  ./mvnw -q -B -f bench/pom.xml package
fi
if ! command -v wrk >/dev/null; then
  log "installing wrk (apt-get install wrk)"
  { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk; } >/dev/null
fi
for tool in java node curl wrk; do command -v "$tool" >/dev/null || die "$tool is not installed"; done

# ---------------------------------------------------------------------------------------------------------------
# Scratch space and cleanup: every process this script starts is recorded and stopped by PID.
WORK=$(mktemp -d "${TMPDIR:-/tmp}/sandbox-gate-bench.XXXXXX")
PIDS=()
SAMPLER_PID=
SANDBOX_PID=
cleanup() {
  local rc=$?
  set +e
  [[ -n $SAMPLER_PID ]] && kill "$SAMPLER_PID" 2>/dev/null && wait "$SAMPLER_PID" 2>/dev/null
  # The sandbox's agent processes (one mock agent per ACP server id) are its children: stop them by PID too.
  local children=()
  [[ -n $SANDBOX_PID ]] && mapfile -t children < <(pgrep -P "$SANDBOX_PID" 2>/dev/null)
  local pid
  for pid in "${PIDS[@]}" "${children[@]}"; do kill "$pid" 2>/dev/null; done
  for _ in $(seq 50); do
    local alive=0
    for pid in "${PIDS[@]}" "${children[@]}"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    ((alive)) || break
    sleep 0.1
  done
  for pid in "${PIDS[@]}" "${children[@]}"; do kill -9 "$pid" 2>/dev/null; done
  for pid in "${PIDS[@]}"; do wait "$pid" 2>/dev/null; done
  if [[ ${BENCH_KEEP:-} == 1 || $rc -ne 0 ]]; then
    log "scratch directory kept: $WORK"
  else
    rm -rf "$WORK"
  fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

# CPU accounting, to tell whether something else on the host competed with the run: busy and total jiffies.
cpu_jiffies() { awk '/^cpu /{print $2+$3+$4+$7+$8+$9, $2+$3+$4+$5+$6+$7+$8+$9}' /proc/stat; }
busy_percent() { # over $1 seconds, of the whole machine
  local b0 t0 b1 t1
  read -r b0 t0 < <(cpu_jiffies); sleep "$1"; read -r b1 t1 < <(cpu_jiffies)
  echo $(((b1 - b0) * 100 / (t1 - t0 > 0 ? t1 - t0 : 1)))
}
# utime+stime+cutime+cstime of a process and its live children, in clock ticks
proc_ticks() {
  local total=0 pid
  for pid in "$1" $(pgrep -P "$1" 2>/dev/null); do
    total=$((total + $(awk '{print $14+$15+$16+$17}' "/proc/$pid/stat" 2>/dev/null || echo 0)))
  done
  echo "$total"
}

free_port() {
  node -e 'const s=require("net").createServer();s.listen(0,"127.0.0.1",()=>{console.log(s.address().port);s.close()})'
}
# Hex: a token starting with '-' would be read as an option by the sandbox's CLI.
token() { head -c 24 /dev/urandom | od -An -tx1 | tr -d ' \n'; }

# Waits until GET URL with the bearer TOKEN answers 200, or the process PID dies, or 60 s pass.
await_healthy() {
  local name=$1 pid=$2 url=$3 tok=$4
  for _ in $(seq 600); do
    kill -0 "$pid" 2>/dev/null || die "$name exited during start-up; see its log in $WORK"
    if [[ $(curl -s -o /dev/null -w '%{http_code}' -H "Authorization: Bearer $tok" "$url" 2>/dev/null) == 200 ]]; then
      return 0
    fi
    sleep 0.1
  done
  die "$name did not answer $url within 60 s"
}

# Benchmarks on a shared host: wait (up to BENCH_QUIET_WAIT seconds) for other work to calm down, and record it.
BUSY=$(busy_percent 1)
for ((waited = 0; BUSY > 25 && waited < ${BENCH_QUIET_WAIT:-30}; waited += 2)); do
  ((waited == 0)) && log "the host is busy ($BUSY% CPU before we start anything); waiting up to ${BENCH_QUIET_WAIT:-30}s"
  BUSY=$(busy_percent 2)
done
((BUSY > 25)) && log "WARNING: the host is still $BUSY% busy; the results will be noisy"
BUSY_BEFORE=$BUSY
read -r RUN_BUSY0 RUN_TOTAL0 < <(cpu_jiffies)

SANDBOX_TOKEN=$(token)
APP_TOKEN=$(token)
# The gateway's callers present a user's JWT (HS256, verified once, then from the verified-token cache), as an SDK in
# a browser would; the app token stays configured, as in the sample's web.xml.
JWT_SECRET=$(token)$(token)
# One caller sends everything: the rate limiter runs (every bucket is consulted) but in allow mode, far above the load.
ALLOW_ALL="default=100000000/1s; acp.send=100000000/1s; unauthenticated=100000000/1s"
JWT=$(JWT_SECRET="$JWT_SECRET" node -e '
  const crypto = require("crypto");
  const part = (o) => Buffer.from(JSON.stringify(o)).toString("base64url");
  const now = Math.floor(Date.now() / 1000);
  const unsigned = part({ alg: "HS256", typ: "JWT" }) + "." +
    part({ sub: "bench-user", workspaceId: "bench", role: "owner", iat: now, exp: now + 3600 });
  console.log(unsigned + "." + crypto.createHmac("sha256", process.env.JWT_SECRET).update(unsigned).digest("base64url"));')
SANDBOX_PORT=$(free_port)
GATEWAY_PORT=$(free_port)
PEER_PORT=$(free_port)
while [[ $GATEWAY_PORT == "$SANDBOX_PORT" ]]; do GATEWAY_PORT=$(free_port); done
while [[ $PEER_PORT == "$SANDBOX_PORT" || $PEER_PORT == "$GATEWAY_PORT" ]]; do PEER_PORT=$(free_port); done

# The gateway runs from a copy of the build output, so a rebuild during the run cannot change it under the JVM.
mkdir -p "$WORK/gateway" "$WORK/xdg/sandbox-agent/bin/agent_processes" "$WORK/files"
cp -r sample-war/target/sandbox-gate-launcher.jar sample-war/target/sandbox-gate.war sample-war/target/lib \
  "$WORK/gateway/"
install -m 755 e2e/mock-acp-agent.mjs "$WORK/xdg/sandbox-agent/bin/agent_processes/mock-acp"

# ---------------------------------------------------------------------------------------------------------------
# The three servers.
log "starting the Sandbox Agent server on 127.0.0.1:$SANDBOX_PORT"
XDG_DATA_HOME="$WORK/xdg" "$AGENT_BIN" server --no-telemetry -H 127.0.0.1 -p "$SANDBOX_PORT" -t "$SANDBOX_TOKEN" \
  >"$WORK/sandbox.log" 2>&1 &
SANDBOX_PID=$!
PIDS+=("$SANDBOX_PID")
await_healthy sandbox "$SANDBOX_PID" "http://127.0.0.1:$SANDBOX_PORT/v1/health" "$SANDBOX_TOKEN"

log "starting the gateway (launcher jar, default settings${GATEWAY_JAVA_OPTS:+, JVM options: $GATEWAY_JAVA_OPTS}) on 127.0.0.1:$GATEWAY_PORT"
# shellcheck disable=SC2086 # GATEWAY_JAVA_OPTS is a list of JVM options
# SANDBOX_FS_ROOT: the gateway's policy keeps filesystem paths (and an ACP session's cwd) inside its fs-root; the
# benchmark's files live in the scratch directory, so that is the root. One caller sends everything, so the rate limits
# and stream caps (which would refuse it) are off: this measures the relay. Everything else is the launcher's default.
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" SANDBOX_TOKEN="$SANDBOX_TOKEN" APP_API_TOKEN="$APP_TOKEN" \
  JWT_HS256_SECRET="$JWT_SECRET" SANDBOX_FS_ROOT="$WORK/files" PORT="$GATEWAY_PORT" HOST=127.0.0.1 \
  RATE_LIMITS="$ALLOW_ALL" MAX_STREAMS_PER_SUBJECT=100000 MAX_STREAMS_PER_WORKSPACE=100000 \
  MAX_ACP_POSTS_PER_SUBJECT=100000 MAX_ACP_POSTS_PER_WORKSPACE=100000 \
  java $GATEWAY_JAVA_OPTS -jar "$WORK/gateway/sandbox-gate-launcher.jar" >"$WORK/gateway.log" 2>&1 &
GATEWAY_PID=$!
PIDS+=("$GATEWAY_PID")

log "starting the Jetty AsyncProxyServlet peer on 127.0.0.1:$PEER_PORT"
SANDBOX_URL="http://127.0.0.1:$SANDBOX_PORT" SANDBOX_TOKEN="$SANDBOX_TOKEN" PORT="$PEER_PORT" \
  java -cp "bench/target/jetty-proxy-peer.jar:bench/target/lib/*" dev.sandboxgate.bench.JettyProxyPeer \
  >"$WORK/jetty-proxy.log" 2>&1 &
PEER_PID=$!
PIDS+=("$PEER_PID")

await_healthy gateway "$GATEWAY_PID" "http://127.0.0.1:$GATEWAY_PORT/sandbox/bench/v1/health" "$JWT"
await_healthy jetty-proxy "$PEER_PID" "http://127.0.0.1:$PEER_PORT/sandbox/bench/v1/health" "$APP_TOKEN"
log "all three answer /v1/health"

base_url() {
  case $1 in
    direct) echo "http://127.0.0.1:$SANDBOX_PORT" ;;
    gateway) echo "http://127.0.0.1:$GATEWAY_PORT/sandbox/bench" ;;
    jetty-proxy) echo "http://127.0.0.1:$PEER_PORT/sandbox/bench" ;;
  esac
}
server_pid() {
  case $1 in
    direct) echo "$SANDBOX_PID" ;;
    gateway) echo "$GATEWAY_PID" ;;
    jetty-proxy) echo "$PEER_PID" ;;
  esac
}
bearer() {
  case $1 in
    direct) echo "$SANDBOX_TOKEN" ;;
    gateway) echo "$JWT" ;;
    jetty-proxy) echo "$APP_TOKEN" ;; # the peer checks no credential; it replaces it with the sandbox's token
  esac
}

# "time VmRSS VmHWM threads" (KiB) of a server: the process and the JVM it started, if any. Started without JVM
# options, the launcher runs the gateway in a second JVM with its JVM defaults and waits for it: both count.
proc_status() { # time pid
  local pids=("$2")
  mapfile -t -O 1 pids < <(pgrep -P "$2" -x java 2>/dev/null)
  local files=()
  for pid in "${pids[@]}"; do files+=("/proc/$pid/status"); done
  awk -v t="$1" '/^VmRSS:/{r+=$2} /^VmHWM:/{h+=$2} /^Threads:/{n+=$2} END{if (r) print t, r, h, n}' "${files[@]}" \
    2>/dev/null || true
}

# RSS (VmRSS, VmHWM, KiB) and live threads of each server, every 200 ms, for the whole run.
sample_proc() {
  trap - EXIT INT TERM
  while :; do
    local now
    now=$(date +%s.%N)
    for entry in "gateway:$GATEWAY_PID" "jetty-proxy:$PEER_PID" "sandbox:$SANDBOX_PID"; do
      proc_status "$now" "${entry#*:}" >>"$WORK/proc-${entry%%:*}.txt"
    done
    sleep 0.2
  done
}
sample_proc &
SAMPLER_PID=$!

# ---------------------------------------------------------------------------------------------------------------
# Measurements. Raw outputs go to $WORK/raw/<metric>.<target>.<round>; bench/report.mjs turns them into the table.
mkdir -p "$WORK/raw"
health() { # target connections seconds outfile
  local threads=$(($2 < 2 ? 1 : 2))
  wrk -t"$threads" -c"$2" -d"$3"s --latency -H "Authorization: Bearer $(bearer "$1")" "$(base_url "$1")/v1/health" >"$4"
}
put64k() { # target seconds outfile
  wrk -t2 -c32 -d"$2"s --latency -s bench/put.lua -H "Authorization: Bearer $(bearer "$1")" \
    "$(base_url "$1")/v1/fs/file?path=$WORK/files/put-$1.bin" >"$3"
}
acp() { # target round prompts streams outfile
  timeout 120 node bench/acp-stream.mjs "$(base_url "$1")" "$(bearer "$1")" "$1-r$2" "$3" "$4" 1000 "$WORK/files" >"$5" \
    || die "the streaming client failed against $1 (round $2)"
}

# Pre-flight: a fast refusal would pass for a fast proxy, so every target must answer the measured requests with 2xx.
expect_2xx() { # target method path [body]
  local code
  code=$(curl -s -o "$WORK/probe.out" -w '%{http_code}' -X "$2" -H "Authorization: Bearer $(bearer "$1")" \
    -H 'Content-Type: application/octet-stream' ${4:+--data-binary "$4"} "$(base_url "$1")$3")
  [[ $code == 2* ]] || die "$1 answered $2 $3 with $code: $(head -c 300 "$WORK/probe.out")"
}
for t in "${TARGETS[@]}"; do
  expect_2xx "$t" GET /v1/health
  expect_2xx "$t" PUT "/v1/fs/file?path=$WORK/files/put-$t.bin" probe
done

# The two JVMs need their JIT warm (C2 still compiles for several seconds on a busy 2-CPU host); direct needs none.
log "warm-up (JIT) of the two proxies: health 8s, PUT 4s, a few prompts each"
for t in gateway jetty-proxy; do
  health "$t" 32 8 "$WORK/raw/warmup-health.$t"
  put64k "$t" 4 "$WORK/raw/warmup-put.$t"
  acp "$t" 0 10 2 "$WORK/raw/warmup-acp.$t"
done

for ((round = 1; round <= ROUNDS; round++)); do
  log "round $round/$ROUNDS: GET /v1/health, 32 connections, ${DURATION}s each"
  for t in "${TARGETS[@]}"; do
    # CPU of the server under test (ticks), around the run: the cost per request, which the host's noise moves less
    # than throughput. For direct that is the sandbox; for a proxy its own process (the sandbox's share is the same).
    pid=$(server_pid "$t"); ticks0=$(proc_ticks "$pid")
    health "$t" 32 "$DURATION" "$WORK/raw/health32.$t.$round"
    echo "$(($(proc_ticks "$pid") - ticks0)) $(getconf CLK_TCK)" >"$WORK/raw/cpu-health32.$t.$round"
  done
  log "round $round/$ROUNDS: GET /v1/health, 1 connection, ${DURATION}s each"
  for t in "${TARGETS[@]}"; do health "$t" 1 "$DURATION" "$WORK/raw/health1.$t.$round"; done
  log "round $round/$ROUNDS: PUT 64 KiB /v1/fs/file, 32 connections, ${DURATION}s each"
  for t in "${TARGETS[@]}"; do put64k "$t" "$DURATION" "$WORK/raw/put64k.$t.$round"; done
  log "round $round/$ROUNDS: prompt -> first chunk ($PROMPTS prompts), prompt -> 1,000th chunk ($STREAMS streams)"
  for t in "${TARGETS[@]}"; do acp "$t" "$round" "$PROMPTS" "$STREAMS" "$WORK/raw/acp.$t.$round"; done
done

kill "$SAMPLER_PID" 2>/dev/null; wait "$SAMPLER_PID" 2>/dev/null || true
SAMPLER_PID=
# Final reading, VmHWM included (the kernel's own peak, which 200 ms sampling could miss).
for entry in "gateway:$GATEWAY_PID" "jetty-proxy:$PEER_PID" "sandbox:$SANDBOX_PID"; do
  proc_status "$(date +%s.%N)" "${entry#*:}" >>"$WORK/proc-${entry%%:*}.txt"
done
ELAPSED=$(($(date +%s) - STARTED))
log "measurements done in ${ELAPSED}s"
# CPU the host spent during the run minus what this run's processes spent: other work competing with the benchmark.
read -r RUN_BUSY1 RUN_TOTAL1 < <(cpu_jiffies)
OURS=0
for pid in "$SANDBOX_PID" "$GATEWAY_PID" "$PEER_PID"; do OURS=$((OURS + $(proc_ticks "$pid"))); done
times >"$WORK/times.txt" # a builtin, redirected: no subshell, so it sees this shell's children (wrk, node, ...)
CHILD_SECONDS=$(tail -1 "$WORK/times.txt" | awk '{ for (i = 1; i <= 2; i++) { split($i, p, "m"); s += p[1] * 60 + p[2] } } END { print s }')
TICKS=$(getconf CLK_TCK)
FOREIGN=$(awk -v b="$((RUN_BUSY1 - RUN_BUSY0))" -v t="$((RUN_TOTAL1 - RUN_TOTAL0))" -v o="$OURS" -v c="$CHILD_SECONDS" \
  -v hz="$TICKS" 'BEGIN { f = (b - o) / hz - c; if (f < 0) f = 0; printf "%.0f CPU-s of %.0f (%.0f%%)", f, t / hz, 100 * f * hz / t }')
log "CPU used by other processes during the run: $FOREIGN"

# ---------------------------------------------------------------------------------------------------------------
# Report.
COMMAND="bench/load.sh"
for var in BENCH_ROUNDS BENCH_DURATION BENCH_PROMPTS BENCH_STREAMS GATEWAY_JAVA_OPTS; do
  [[ -n ${!var:-} ]] && COMMAND="$var=\"${!var}\" $COMMAND"
done
{
  echo "- date: $(date -u '+%Y-%m-%d %H:%M UTC'); run took ${ELAPSED}s"
  echo "- command: \`$COMMAND\` (rounds: $ROUNDS, wrk ${DURATION}s per run, prompts for the first chunk and 1,000-chunk streams per target and round: $PROMPTS and $STREAMS)"
  echo "- machine: $(nproc) CPUs, $(lscpu | sed -n 's/^Model name:[[:space:]]*//p' | head -1); memory: $(free -h | awk '/^Mem:/{print $2 " total, " $7 " available"}')"
  echo "- software: $("$AGENT_BIN" --version 2>&1 | head -1); $(java -version 2>&1 | head -1); node $(node -v); wrk $(wrk -v 2>&1 | head -1 | awk '{print $2}'); Jetty 12.1.14 (gateway launcher and peer)"
  echo "- build: sample-war/target of $(date -u -r sample-war/target/sandbox-gate.war '+%Y-%m-%d %H:%M UTC'), repository at $(git rev-parse --short HEAD 2>/dev/null || echo '?')$([[ -n $(git status --porcelain -- filter jaxrs-proxy sample-war 2>/dev/null) ]] && echo ' with uncommitted changes in filter/, jaxrs-proxy/ or sample-war/')"
  echo "- gateway: launcher jar, default settings (SANDBOX_URL, SANDBOX_TOKEN, APP_API_TOKEN, PORT), JVM options: ${GATEWAY_JAVA_OPTS:-none}; the WAR's chain as built (web.xml defaults), callers authenticated by a user's HS256 JWT (JWT_HS256_SECRET; verified-token cache on, its default), SANDBOX_FS_ROOT = the scratch directory, rate limits in allow mode (RATE_LIMITS=$ALLOW_ALL, stream and ACP caps 100000), audit trail to the log sink (the default; its JSON lines in the gateway's standard output, a file here)"
  echo "- jetty-proxy: Jetty 12 AsyncProxyServlet.Transparent (bench/src/main/java/dev/sandboxgate/bench/JettyProxyPeer.java): timeout=0, idleTimeout=5m, output aggregation 0, sandbox token swapped in, no JVM options"
  echo "- host noise: $BUSY_BEFORE% CPU busy just before the run (load average $LOAD_START); CPU used by processes other than this run's during the run: $FOREIGN. Anything else running skews all three targets; the interleaving only cancels slow drift"
  echo "- all on one host over loopback: wrk and the node client, the gateway, the peer and the sandbox share the CPUs"
} >"$WORK/meta.md"
node bench/report.mjs "$WORK" "$ROUNDS" >"$WORK/table.md"

echo
cat "$WORK/table.md"
echo
NEW_RESULTS=0
[[ -f $RESULTS ]] || NEW_RESULTS=1
{
  ((NEW_RESULTS)) && printf '# Load benchmark results, %s\n\nWritten by `bench/load.sh`; each run appends a section.\n' \
    "$(date -u +%F)"
  echo
  echo "## Run of $(date -u '+%Y-%m-%d %H:%M UTC')"
  echo
  cat "$WORK/meta.md"
  echo
  cat "$WORK/table.md"
} >>"$RESULTS"
log "results appended to $RESULTS"
