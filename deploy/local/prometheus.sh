#!/usr/bin/env bash
# A local Prometheus on loopback that scrapes one seqaudit service every second and evaluates the shipped alert
# rules (deploy/prometheus/seqaudit-rules.yml) every second: to see the alerts fire against a running service.
# Usage: prometheus.sh start <host:port of the service> | stop | status
# Port: SEQAUDIT_PROMETHEUS_PORT (default 9590). Installs Debian's prometheus package where it is missing.
source "$(dirname "$0")/lib.sh"

PORT="${SEQAUDIT_PROMETHEUS_PORT:-9590}"
mkdir -p "$SEQAUDIT_RUN/prometheus"
DIR="$(cd "$SEQAUDIT_RUN/prometheus" && pwd)"
RULES="$SEQAUDIT_ROOT/deploy/prometheus/seqaudit-rules.yml"

ready() { curl -fs "http://127.0.0.1:$PORT/-/ready" >/dev/null 2>&1; }
exited() { ! kill -0 "$1" 2>/dev/null; }

start() {
  local target=${1:-}
  [[ -n $target ]] || die "usage: prometheus.sh start <host:port of the seqaudit service>"
  command -v prometheus >/dev/null || apt_install prometheus
  command -v curl >/dev/null || apt_install curl
  stop_quietly
  rm -rf "${DIR:?}/data"
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
    --web.listen-address="127.0.0.1:$PORT" >"$DIR/prometheus.log" 2>&1 &
  echo $! >"$DIR/prometheus.pid"
  wait_for 30 "Prometheus on 127.0.0.1:$PORT" ready || die_with_log "$DIR/prometheus.log" "Prometheus did not start"
  log "Prometheus answers on http://127.0.0.1:$PORT, scraping $target with $(basename "$RULES")"
}

stop_quietly() {
  local pid
  pid=$(cat "$DIR/prometheus.pid" 2>/dev/null) || return 0
  [[ $(cat "/proc/$pid/comm" 2>/dev/null) == prometheus ]] || return 0
  kill -TERM "$pid"
  wait_for 15 "Prometheus to stop" exited "$pid" || kill -KILL "$pid" || true
  rm -f "$DIR/prometheus.pid"
}

case "${1:-}" in
  start) start "${2:-}" ;;
  stop) stop_quietly; log "Prometheus on $PORT stopped" ;;
  status) if ready; then log "Prometheus answers on $PORT"; else log "no Prometheus on $PORT"; exit 1; fi ;;
  *) die "usage: prometheus.sh start <host:port> | stop | status" ;;
esac
