#!/usr/bin/env bash
# A local Redis on 127.0.0.1 (no persistence: test data only). Usage: redis.sh start|stop|status
source "$(dirname "$0")/lib.sh"

PORT=$SEQAUDIT_REDIS_PORT
LOG="$SEQAUDIT_RUN/redis.log"
PIDFILE="$SEQAUDIT_RUN/redis.pid"

pong() { [[ $(redis-cli -h 127.0.0.1 -p "$PORT" ping 2>/dev/null) == PONG ]]; }

# Pid of the Redis this script started, if it still runs.
our_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server ]] && echo "$pid"
}

start() {
  if pong; then log "Redis already answers on 127.0.0.1:$PORT: nothing to do"; return; fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
    # The package may have started its own server (it does not without systemd): take it if it answers.
    if pong; then log "Redis answers on 127.0.0.1:$PORT"; return; fi
  fi
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev" # keep the previous run's log, start a fresh one
  log "starting Redis on 127.0.0.1:$PORT"
  # Debian's package does not start Redis without systemd, so start it ourselves.
  redis-server --daemonize yes --bind 127.0.0.1 --port "$PORT" --save "" --appendonly no \
    --dir "$SEQAUDIT_RUN" --logfile "$LOG" --pidfile "$PIDFILE" >>"$LOG" 2>&1 ||
    die_with_log "$LOG" "redis-server did not start"
  wait_for 10 "Redis on 127.0.0.1:$PORT" pong || die_with_log "$LOG" "Redis does not answer PING"
  log "Redis answers on 127.0.0.1:$PORT (pid $(our_pid || echo '?'), log $LOG)"
}

stop() {
  local pid
  if ! pid=$(our_pid); then log "no Redis started by this script runs: nothing to stop"; return; fi
  log "stopping Redis (pid $pid)"
  kill -TERM "$pid"
  wait_for 10 "Redis to stop" exited "$pid" || kill -KILL "$pid" || true
  rm -f "$PIDFILE"
}
exited() { ! kill -0 "$1" 2>/dev/null; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if pong; then log "Redis answers on 127.0.0.1:$PORT"; else log "no Redis answers on 127.0.0.1:$PORT"; exit 1; fi ;;
  *) die "usage: $0 start|stop|status" ;;
esac
