#!/usr/bin/env bash
# A local 3-master Redis Cluster on 127.0.0.1 (no replicas, no persistence: test data only).
# Usage: redis-cluster.sh start|stop|status|nodes
# Ports: SEQAUDIT_REDIS_CLUSTER_PORTS (default "7001 7002 7003"); each node's cluster bus is its port + 10000.
source "$(dirname "$0")/lib.sh"

read -r -a PORTS <<<"${SEQAUDIT_REDIS_CLUSTER_PORTS:-7001 7002 7003}"
DIR="$SEQAUDIT_RUN/redis-cluster"

pong() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }
cluster_ok() { redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }

# Pid of the node on port $1 this script started, if it still runs.
our_pid() {
  local pid
  pid=$(cat "$DIR/$1/redis.pid" 2>/dev/null) && [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server ]] && echo "$pid"
}

start() {
  if cluster_ok; then log "a Redis Cluster already answers on 127.0.0.1:${PORTS[0]}: nothing to do"; return; fi
  command -v redis-server >/dev/null && command -v redis-cli >/dev/null || apt_install redis-server redis-tools
  local p
  for p in "${PORTS[@]}"; do
    if pong "$p"; then die "something already answers on 127.0.0.1:$p but is no healthy cluster; try: $0 stop"; fi
    # A fresh cluster every start: a node keeping an old nodes.conf would refuse to join a new one.
    rm -rf "${DIR:?}/$p" && mkdir -p "$DIR/$p"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$p" --cluster-enabled yes \
      --cluster-config-file "$DIR/$p/nodes.conf" --cluster-node-timeout 5000 --save "" --appendonly no \
      --dir "$DIR/$p" --logfile "$DIR/$p/redis.log" --pidfile "$DIR/$p/redis.pid" >>"$DIR/$p/redis.log" 2>&1 ||
      die_with_log "$DIR/$p/redis.log" "redis-server on $p did not start"
  done
  for p in "${PORTS[@]}"; do
    wait_for 10 "Redis on 127.0.0.1:$p" pong "$p" || die_with_log "$DIR/$p/redis.log" "Redis on $p does not answer"
  done
  local addrs=()
  for p in "${PORTS[@]}"; do addrs+=("127.0.0.1:$p"); done
  log "creating the cluster of ${addrs[*]}"
  echo yes | redis-cli --cluster create "${addrs[@]}" --cluster-replicas 0 >"$DIR/create.log" 2>&1 ||
    die_with_log "$DIR/create.log" "redis-cli --cluster create failed"
  wait_for 20 "all 16384 slots to be served" cluster_ok || die_with_log "$DIR/create.log" "cluster not ok"
  log "Redis Cluster answers on ${addrs[*]} (data and logs in $DIR)"
}

stop() {
  local p pid
  for p in "${PORTS[@]}"; do
    if ! pid=$(our_pid "$p"); then log "no node started by this script runs on $p"; continue; fi
    log "stopping Redis Cluster node $p (pid $pid)"
    kill -TERM "$pid"
    wait_for 10 "Redis on $p to stop" exited "$pid" || kill -KILL "$pid" || true
    rm -f "$DIR/$p/redis.pid"
  done
}
exited() { ! kill -0 "$1" 2>/dev/null; }

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if cluster_ok; then log "Redis Cluster ok on 127.0.0.1:${PORTS[*]}"; else log "no healthy Redis Cluster on 127.0.0.1:${PORTS[0]}"; exit 1; fi ;;
  # One line per master: "<host:port> <slot ranges...>" (from CLUSTER NODES).
  nodes) redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster nodes | awk '$3 ~ /master/ {sub(/@.*/, "", $2); printf "%s", $2; for (i = 9; i <= NF; i++) printf " %s", $i; print ""}' ;;
  *) die "usage: $0 start|stop|status|nodes" ;;
esac
