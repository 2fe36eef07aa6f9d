#!/usr/bin/env bash
# A real multi-node Apache Kafka cluster on 127.0.0.1 for failover tests: one KRaft controller as its own JVM
# (process.roles=controller) and 3 brokers as 3 more JVMs (process.roles=broker), so brokers can be killed,
# stopped and paused freely without losing the metadata quorum.
# Usage: kafka-cluster.sh start|stop|status|reset|bootstrap|kill N|stop-broker N|start-broker N...|pause N|resume N
#   kill N: SIGKILL broker N (1..3); stop-broker N: clean stop; pause/resume N: SIGSTOP/SIGCONT;
#   start-broker N...: starts the given brokers together and waits until each answers.
# Ports: SEQAUDIT_KAFKA_CLUSTER_CONTROLLER_PORT (default 19290), SEQAUDIT_KAFKA_CLUSTER_PORTS ("19291 19292 19293").
# Reuses kafka.sh's jars (ensure_libs) and readiness probe (answers).
source "$(dirname "$0")/kafka.sh"

CDIR="$SEQAUDIT_RUN/kafka-cluster"
CTRL_PORT="${SEQAUDIT_KAFKA_CLUSTER_CONTROLLER_PORT:-19290}"
read -r -a BPORTS <<<"${SEQAUDIT_KAFKA_CLUSTER_PORTS:-19291 19292 19293}"
CTRL_ID=100 # broker N has node.id N

node_dir() { if [[ $1 == c ]]; then echo "$CDIR/controller"; else echo "$CDIR/broker-$1"; fi; }
bport() { [[ $1 =~ ^[1-9][0-9]*$ ]] && ((1 <= $1 && $1 <= ${#BPORTS[@]})) || die "no broker $1 (1..${#BPORTS[@]})"; echo "${BPORTS[$(($1 - 1))]}"; }

# Pid of node $1 (c or a broker number) that this script started, if it still runs.
node_pid() {
  local d pid
  d=$(node_dir "$1")
  pid=$(cat "$d/pid" 2>/dev/null) || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $d/server.properties" && echo "$pid"
}

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

write_node_config() {
  local n=$1 d
  d=$(node_dir "$n")
  mkdir -p "$d/data"
  {
    if [[ $n == c ]]; then
      echo "process.roles=controller"
      echo "node.id=$CTRL_ID"
      echo "listeners=CONTROLLER://127.0.0.1:$CTRL_PORT"
    else
      local p
      p=$(bport "$n")
      echo "process.roles=broker"
      echo "node.id=$n"
      echo "listeners=PLAINTEXT://127.0.0.1:$p"
      echo "advertised.listeners=PLAINTEXT://127.0.0.1:$p"
      echo "inter.broker.listener.name=PLAINTEXT"
    fi
    cat <<PROPS
controller.quorum.voters=$CTRL_ID@127.0.0.1:$CTRL_PORT
controller.listener.names=CONTROLLER
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
log.dirs=$d/data
num.partitions=3
default.replication.factor=3
auto.create.topics.enable=false
offsets.topic.replication.factor=3
transaction.state.log.replication.factor=3
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=3
share.coordinator.state.topic.min.isr=1
group.initial.rebalance.delay.ms=0
# failover tests: a follower that stops fetching leaves the ISR after 2 s, not 30 s
replica.lag.time.max.ms=2000
# off by default; a test turns it on per topic (unclean.leader.election.enable=true)
unclean.leader.election.enable=false
# a killed broker is fenced quickly
broker.session.timeout.ms=6000
broker.heartbeat.interval.ms=1000
PROPS
  } >"$d/server.properties"
  cat >"$d/log4j2.properties" <<L4J
appender.file.type=File
appender.file.name=FILE
appender.file.fileName=$d/kafka.log
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=FILE
logger.started.name=kafka.server.KafkaRaftServer
logger.started.level=INFO
logger.ctrl.name=org.apache.kafka.controller
logger.ctrl.level=INFO
L4J
}

# launch_node <c|N>: format its storage (once, with the cluster's id) and start its JVM in the background.
launch_node() {
  local n=$1 d id
  d=$(node_dir "$n")
  write_node_config "$n"
  [[ -f $d/kafka.log ]] && mv -f "$d/kafka.log" "$d/kafka.log.prev"
  if [[ ! -f $d/data/meta.properties ]]; then
    id=$(cat "$CDIR/cluster.id")
    java -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$d/server.properties" >>"$d/kafka.log" 2>&1 ||
      die_with_log "$d/kafka.log" "could not format the storage of node $n in $d/data"
  fi
  nohup java -Xmx384m -Djava.awt.headless=true -Dlog4j2.configurationFile="$d/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$d/server.properties" >>"$d/kafka.log" 2>&1 </dev/null &
  echo $! >"$d/pid"
}

alive() { kill -0 "$1" 2>/dev/null || die_with_log "$2" "the JVM (pid $1) exited during startup"; }
ctrl_up() { alive "$1" "$(node_dir c)/kafka.log" && port_open "$CTRL_PORT"; }
broker_up() { alive "$1" "$(node_dir "$2")/kafka.log" && answers "$(bport "$2")"; }

# start_brokers N...: launches each given broker that is down, all at once, then awaits each of them (two brokers
# start side by side instead of one after the other).
start_brokers() {
  local n p pid launched=()
  for n in "$@"; do
    p=$(bport "$n")
    if answers "$p"; then log "broker $n already answers on 127.0.0.1:$p"; continue; fi
    node_pid "$n" >/dev/null && die "broker $n (pid $(node_pid "$n")) runs but does not answer (paused? try: $0 resume $n)"
    launch_node "$n"
    launched+=("$n")
  done
  for n in "${launched[@]}"; do
    p=$(bport "$n")
    pid=$(cat "$(node_dir "$n")/pid")
    wait_for 60 "broker $n on 127.0.0.1:$p" broker_up "$pid" "$n" ||
      { kill -KILL "$pid" 2>/dev/null || true; die_with_log "$(node_dir "$n")/kafka.log" "broker $n did not start"; }
    log "broker $n answers on 127.0.0.1:$p (pid $pid)"
  done
}

start() {
  ensure_libs
  mkdir -p "$CDIR"
  [[ -f $CDIR/cluster.id ]] || java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid >"$CDIR/cluster.id"
  local t0=$SECONDS pid n
  if ! node_pid c >/dev/null; then
    port_open "$CTRL_PORT" && die "port $CTRL_PORT is taken by something this script did not start"
    launch_node c
    pid=$(cat "$(node_dir c)/pid")
    wait_for 60 "the controller on 127.0.0.1:$CTRL_PORT" ctrl_up "$pid" ||
      die_with_log "$(node_dir c)/kafka.log" "the controller did not start"
  fi
  # The brokers start in parallel (each JVM takes a few seconds of CPU), then each is awaited.
  for n in $(seq 1 ${#BPORTS[@]}); do
    if ! answers "$(bport "$n")" && ! node_pid "$n" >/dev/null; then launch_node "$n"; fi
  done
  for n in $(seq 1 ${#BPORTS[@]}); do
    pid=$(node_pid "$n") || pid=$(cat "$(node_dir "$n")/pid")
    wait_for 90 "broker $n" broker_up "$pid" "$n" || die_with_log "$(node_dir "$n")/kafka.log" "broker $n did not start"
  done
  log "Kafka cluster up after $((SECONDS - t0)) s: controller 127.0.0.1:$CTRL_PORT, brokers $(bootstrap) (data $CDIR)"
}

bootstrap() { local out=() p; for p in "${BPORTS[@]}"; do out+=("127.0.0.1:$p"); done; (IFS=,; echo "${out[*]}"); }

# stop_node <c|N> <signal>: TERM waits for a clean stop (killing after 30 s); KILL is kill -9.
stop_node() {
  local n=$1 sig=$2 pid
  if ! pid=$(node_pid "$n"); then log "node $n is not running (started by this script)"; return; fi
  kill -CONT "$pid" 2>/dev/null || true # a paused JVM cannot act on TERM
  log "$([[ $sig == KILL ]] && echo killing || echo stopping) node $n (pid $pid)"
  kill "-$sig" "$pid"
  wait_for 30 "node $n to stop" exited "$pid" || kill -KILL "$pid" 2>/dev/null || true
  wait_for 5 "node $n to be gone" exited "$pid" || true
}

signal_broker() {
  local pid
  pid=$(node_pid "$2") || die "broker $2 is not running"
  kill "-$1" "$pid"
  log "sent SIG$1 to broker $2 (pid $pid)"
}

stop() {
  local n
  # Brokers first (they shut down cleanly only while the controller is there), in parallel.
  for n in $(seq 1 ${#BPORTS[@]}); do stop_node "$n" TERM & done
  wait
  stop_node c TERM
}

status() {
  local n ok=0 pid
  if pid=$(node_pid c); then log "controller: pid $pid, port $CTRL_PORT"; else log "controller: down"; ok=1; fi
  for n in $(seq 1 ${#BPORTS[@]}); do
    pid=$(node_pid "$n") || pid=""
    if answers "$(bport "$n")"; then log "broker $n: answers on $(bport "$n")${pid:+ (pid $pid)}"
    else log "broker $n: not answering${pid:+ (pid $pid: paused or starting)}"; ok=1; fi
  done
  return $ok
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) status ;;
  reset) stop; rm -rf "$CDIR"; log "deleted $CDIR" ;;
  bootstrap) bootstrap ;;
  kill) bport "${2:-}" >/dev/null; stop_node "$2" KILL ;;
  stop-broker) bport "${2:-}" >/dev/null; stop_node "$2" TERM ;;
  start-broker) shift; (($#)) || bport "" >/dev/null; ensure_libs; start_brokers "$@" ;;
  pause) signal_broker STOP "${2:-}" ;;
  resume) signal_broker CONT "${2:-}" ;;
  *) die "usage: $0 start|stop|status|reset|bootstrap|kill N|stop-broker N|start-broker N...|pause N|resume N" ;;
esac
