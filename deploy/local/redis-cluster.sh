#!/usr/bin/env bash
# A local 3-master Redis Cluster on loopback (no replicas, no persistence: test data only), for auditing one
# topic over several Redis nodes. Usage: redis-cluster.sh start|stop|status|nodes
# Ports: SEQAUDIT_REDIS_CLUSTER_PORTS (default "7001 7002 7003"; the cluster bus takes each port + 10000).
# Connect the service with QUARKUS_REDIS_CLIENT_TYPE=cluster and QUARKUS_REDIS_HOSTS printed by `nodes`.
source "$(dirname "$0")/lib.sh"

read -r -a PORTS <<<"${SEQAUDIT_REDIS_CLUSTER_PORTS:-7001 7002 7003}"
mkdir -p "$SEQAUDIT_RUN/redis-cluster"
DIR="$(cd "$SEQAUDIT_RUN/redis-cluster" && pwd)" # absolute: redis-server resolves paths after its chdir to --dir

pong() { [[ $(redis-cli -h 127.0.0.1 -p "$1" ping 2>/dev/null) == PONG ]]; }
cluster_ok() { redis-cli -h 127.0.0.1 -p "${PORTS[0]}" cluster info 2>/dev/null | grep -q '^cluster_state:ok'; }
exited() { ! kill -0 "$1" 2>/dev/null; }

start() {
  if cluster_ok; then log "a Redis Cluster already answers on ${PORTS[*]}: nothing to do"; return; fi
  if ! command -v redis-server >/dev/null || ! command -v redis-cli >/dev/null; then
    apt_install redis-server redis-tools
  fi
  for port in "${PORTS[@]}"; do
    if pong "$port"; then die "port $port already has a Redis that is not a ready cluster: stop it first"; fi
    rm -rf "${DIR:?}/$port" && mkdir -p "$DIR/$port"
    redis-server --daemonize yes --bind 127.0.0.1 --port "$port" --cluster-enabled yes \
      --cluster-config-file "$DIR/$port/nodes.conf" --cluster-node-timeout 5000 --save "" --appendonly no \
      --dir "$DIR/$port" --logfile "$DIR/$port/redis.log" --pidfile "$DIR/$port/redis.pid" ||
      die_with_log "$DIR/$port/redis.log" "redis-server did not start on $port"
    wait_for 10 "Redis on 127.0.0.1:$port" pong "$port" || die_with_log "$DIR/$port/redis.log" "no PING answer"
  done
  local nodes=()
  for port in "${PORTS[@]}"; do nodes+=("127.0.0.1:$port"); done
  log "creating the cluster over ${nodes[*]} (no replicas)"
  echo yes | redis-cli --cluster create "${nodes[@]}" --cluster-replicas 0 >"$DIR/create.log" 2>&1 ||
    die_with_log "$DIR/create.log" "redis-cli --cluster create failed"
  wait_for 20 "the cluster to cover every slot" cluster_ok || die_with_log "$DIR/create.log" "cluster not ok"
  log "Redis Cluster ready: $(hosts)"
}

stop() {
  local port pid
  for port in "${PORTS[@]}"; do
    pid=$(cat "$DIR/$port/redis.pid" 2>/dev/null) || continue
    [[ $(cat "/proc/$pid/comm" 2>/dev/null) == redis-server ]] || continue
    log "stopping the cluster node on $port (pid $pid)"
    kill -TERM "$pid"
    wait_for 10 "Redis to stop" exited "$pid" || kill -KILL "$pid" || true
  done
  rm -rf "${DIR:?}"
}

hosts() {
  local out=() port
  for port in "${PORTS[@]}"; do out+=("redis://127.0.0.1:$port"); done
  (IFS=,; echo "${out[*]}")
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) if cluster_ok; then log "Redis Cluster ok on ${PORTS[*]}"; else log "no ready Redis Cluster on ${PORTS[*]}"; exit 1; fi ;;
  nodes) hosts ;;
  *) die "usage: $0 start|stop|status|nodes" ;;
esac
