#!/usr/bin/env bash
# A local Prometheus on loopback that scrapes one seqaudit service every second and evaluates the shipped alert
# rules (deploy/prometheus/seqaudit-rules.yml) every second: to see the alerts fire against a running service.
# Usage: prometheus.sh start [<host:port of the service>] | stop | status
# Port: SEQAUDIT_PROMETHEUS_PORT (default 9590). Target: the argument, else SEQAUDIT_PROMETHEUS_TARGET (default
# 127.0.0.1:8095, the service's own port). Data, config and log under $SEQAUDIT_RUN/prometheus.
# Installs Debian's prometheus package where it is missing (as deploy/prometheus/check.sh does for promtool).
source "$(dirname "$0")/lib.sh"

PORT="${SEQAUDIT_PROMETHEUS_PORT:-9590}"
mkdir -p "$SEQAUDIT_RUN/prometheus"
DIR="$(cd "$SEQAUDIT_RUN/prometheus" && pwd)"
PIDFILE="$DIR/prometheus.pid"
LOG="$DIR/prometheus.log"
RULES="$SEQAUDIT_ROOT/deploy/prometheus/seqaudit-rules.yml"

ready() { curl -fs "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; }
exited() { ! kill -0 "$1" 2>/dev/null; }
# Anything listening on the port, ours or not (bash's /dev/tcp: no extra tool needed).
port_taken() { (exec 3<>"/dev/tcp/127.0.0.1/$PORT") 2>/dev/null; }
# Ready, or the process is gone (a bad config or a taken port ends Prometheus at once: no need to wait 30 s).
ready_or_gone() { ready || exited "$1"; }

# Pid of the Prometheus this script started, if it still runs.
our_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == prometheus ]] && echo "$pid"
}

start() {
  local target=${1:-${SEQAUDIT_PROMETHEUS_TARGET:-127.0.0.1:8095}} pid
  [[ $target == *:* ]] || die "the scrape target is host:port, not '$target'"
  command -v prometheus >/dev/null || apt_install prometheus
  command -v curl >/dev/null || apt_install curl
  # A fresh Prometheus each time: the target or the rules may have changed, and old series would only confuse.
  stop_quietly
  # Someone else's server on the port would answer our readiness check and the tests' queries: refuse.
  if port_taken; then die "127.0.0.1:$PORT is already in use: set SEQAUDIT_PROMETHEUS_PORT to a free port"; fi
  rm -rf "${DIR:?}/data"
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev"
  # The job is called seqaudit: the rules read Prometheus's `up{job="seqaudit"}`.
  cat >"$DIR/prometheus.yml" <<YAML
global:
  scrape_interval: 1s
  evaluation_interval: 1s
rule_files:
  - $RULES
scrape_configs:
  - job_name: seqaudit
    metrics_path: /q/metrics
    static_configs:
      - targets: ["$target"]
YAML
  prometheus --config.file="$DIR/prometheus.yml" --storage.tsdb.path="$DIR/data" \
    --web.listen-address="127.0.0.1:$PORT" >"$LOG" 2>&1 &
  pid=$!
  echo "$pid" >"$PIDFILE"
  wait_for 30 "Prometheus on 127.0.0.1:$PORT" ready_or_gone "$pid" && ! exited "$pid" ||
    die_with_log "$LOG" "Prometheus did not start"
  # Prometheus refuses to start on a rule file it cannot load; this also shows how many rules it evaluates.
  local rules
  rules=$(curl -fs "http://127.0.0.1:$PORT/api/v1/rules" | grep -o '"type":"alerting"' | wc -l)
  ((rules > 0)) || die_with_log "$LOG" "Prometheus loaded no alerting rule from $RULES"
  log "Prometheus answers on http://127.0.0.1:$PORT (pid $pid, log $LOG): scraping $target, $rules alert rules"
}

stop_quietly() {
  local pid
  pid=$(our_pid) || return 0
  kill -TERM "$pid" 2>/dev/null || true
  wait_for 15 "Prometheus to stop" exited "$pid" || kill -KILL "$pid" 2>/dev/null || true
  rm -f "$PIDFILE"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) if our_pid >/dev/null; then stop_quietly; log "Prometheus on $PORT stopped"; else log "no Prometheus started by this script runs: nothing to stop"; fi ;;
  status) if ready; then log "Prometheus answers on $PORT"; else log "no Prometheus on $PORT"; exit 1; fi ;;
  *) die "usage: prometheus.sh start [<host:port>] | stop | status" ;;
esac
