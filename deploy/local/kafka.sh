#!/usr/bin/env bash
# A real single-node Apache Kafka broker (KRaft, broker+controller in one JVM) on 127.0.0.1.
# Usage: kafka.sh start|stop|status|reset|classpath
source "$(dirname "$0")/lib.sh"

VERSION=4.1.2
LIBS="$SEQAUDIT_CACHE/kafka-$VERSION/libs"
DIR="$SEQAUDIT_RUN/kafka"
DATA="$DIR/data"
PROPS="$DIR/server.properties"
LOG="$DIR/kafka.log"
PIDFILE="$DIR/kafka.pid"
PORT=$SEQAUDIT_KAFKA_PORT
CPORT=$SEQAUDIT_KAFKA_CONTROLLER_PORT

# Jars of the broker and its tools, copied once from Maven Central (see kafka/pom.xml).
ensure_libs() {
  [[ -d $LIBS ]] && return
  command -v java >/dev/null || apt_install openjdk-17-jre-headless
  local mvn tmp
  mvn=$(bash "$(dirname "$0")/maven.sh")
  log "copying Kafka $VERSION jars into $LIBS"
  tmp="$LIBS.tmp.$$"
  "$mvn" -B -q -f "$(dirname "$0")/kafka/pom.xml" dependency:copy-dependencies \
    -DincludeScope=runtime -DoutputDirectory="$tmp" >&2 || { rm -rf "$tmp"; die "could not fetch the Kafka jars"; }
  mv "$tmp" "$LIBS" # in one step: a half-copied dir is never taken for a complete one
}

# Readiness probe without starting a JVM (a TopicCommand --list costs about 2 s of CPU per try):
# send a raw Metadata v4 request for all topics over bash's /dev/tcp and expect a reply with our
# correlation id and at least one broker. The broker only processes requests once it has started
# (caught up with the metadata log, unfenced), so an answer means it is ready for clients.
# answers [port]: the port defaults to this script's broker.
answers() {
  local reply
  exec 3<>"/dev/tcp/127.0.0.1/${1:-$PORT}" || return 1
  # size=15 | api_key=3 Metadata | version=4 | correlation_id=42 | client_id="" | topics=null (all) | no auto-create
  printf '\x00\x00\x00\x0f\x00\x03\x00\x04\x00\x00\x00\x2a\x00\x00\xff\xff\xff\xff\x00' >&3
  # reply: size | correlation_id | throttle_time_ms | number of brokers
  reply=$(timeout 5 head -c 16 <&3 | od -An -tx1 | tr -d ' \n') || true
  exec 3<&-
  [[ ${#reply} == 32 && ${reply:8:8} == 0000002a && ${reply:24:8} != 00000000 ]]
} 2>/dev/null

# Pid of the broker this script started, if it still runs.
our_pid() {
  local pid
  pid=$(cat "$PIDFILE" 2>/dev/null) || return 1
  tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -q "kafka.Kafka $PROPS" && echo "$pid"
}

write_config() {
  mkdir -p "$DATA"
  cat >"$PROPS" <<PROPS
process.roles=broker,controller
node.id=1
controller.quorum.voters=1@127.0.0.1:$CPORT
controller.listener.names=CONTROLLER
listeners=PLAINTEXT://127.0.0.1:$PORT,CONTROLLER://127.0.0.1:$CPORT
advertised.listeners=PLAINTEXT://127.0.0.1:$PORT
listener.security.protocol.map=PLAINTEXT:PLAINTEXT,CONTROLLER:PLAINTEXT
inter.broker.listener.name=PLAINTEXT
log.dirs=$DATA
num.partitions=6
auto.create.topics.enable=true
# one broker: internal topics cannot have more than one replica
offsets.topic.replication.factor=1
transaction.state.log.replication.factor=1
transaction.state.log.min.isr=1
share.coordinator.state.topic.replication.factor=1
share.coordinator.state.topic.min.isr=1
# tests should not wait 3 s for the first consumer group rebalance
group.initial.rebalance.delay.ms=0
PROPS
  # WARN and above to the log file (stdout/stderr of the JVM go there too); "Kafka Server started" at INFO.
  cat >"$DIR/log4j2.properties" <<L4J
appender.file.type=File
appender.file.name=FILE
appender.file.fileName=$LOG
appender.file.layout.type=PatternLayout
appender.file.layout.pattern=[%d] %p %m (%c)%n
rootLogger.level=WARN
rootLogger.appenderRef.file.ref=FILE
logger.started.name=kafka.server.KafkaRaftServer
logger.started.level=INFO
L4J
}

start() {
  if answers; then log "a broker already answers on 127.0.0.1:$PORT: nothing to do"; return; fi
  if our_pid >/dev/null; then die "our broker (pid $(our_pid)) runs but does not answer on $PORT; try: $0 stop"; fi
  ensure_libs
  write_config
  [[ -f $LOG ]] && mv -f "$LOG" "$LOG.prev" # keep the previous run's log, start a fresh one
  # Format the storage once; later starts reuse the data (and cluster id).
  if [[ ! -f $DATA/meta.properties ]]; then
    local id
    id=$(java -cp "$LIBS/*" kafka.tools.StorageTool random-uuid 2>>"$LOG")
    java -cp "$LIBS/*" kafka.tools.StorageTool format -t "$id" -c "$PROPS" >>"$LOG" 2>&1 ||
      die_with_log "$LOG" "could not format the Kafka storage in $DATA"
  fi
  log "starting Kafka $VERSION on 127.0.0.1:$PORT (controller $CPORT, data $DATA)"
  local t0=$SECONDS
  nohup java "-Xmx${SEQAUDIT_KAFKA_HEAP:-1g}" -Djava.awt.headless=true \
    -Dlog4j2.configurationFile="$DIR/log4j2.properties" \
    -cp "$LIBS/*" kafka.Kafka "$PROPS" >>"$LOG" 2>&1 </dev/null &
  local pid=$!
  echo "$pid" >"$PIDFILE"
  wait_for 60 "Kafka on 127.0.0.1:$PORT" alive_and_answers "$pid" ||
    { kill -KILL "$pid" 2>/dev/null || true; die_with_log "$LOG" "Kafka did not start"; }
  log "Kafka answers on 127.0.0.1:$PORT after $((SECONDS - t0)) s (pid $pid, log $LOG)"
}

# The launched pid, not our_pid: right after the fork its command line is still this script's.
alive_and_answers() {
  kill -0 "$1" 2>/dev/null || die_with_log "$LOG" "the Kafka JVM exited during startup"
  answers
}

exited() { ! kill -0 "$1" 2>/dev/null; }

stop() {
  local pid
  if ! pid=$(our_pid); then log "no broker started by this script runs: nothing to stop"; rm -f "$PIDFILE"; return; fi
  log "stopping Kafka (pid $pid)"
  kill -TERM "$pid"
  # A clean shutdown takes about 2 s; it is what lets the next start skip log recovery.
  wait_for 30 "Kafka to stop" exited "$pid" || { log "killing Kafka"; kill -KILL "$pid" || true; }
  rm -f "$PIDFILE"
}

# kafka-cluster.sh sources this file for ensure_libs and answers: run a command only when run as a script.
[[ ${BASH_SOURCE[0]} == "$0" ]] || return 0

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status)
    if answers; then log "Kafka answers on 127.0.0.1:$PORT$(our_pid | sed 's/.*/ (started by us, pid &)/')"
    else log "no Kafka answers on 127.0.0.1:$PORT"; exit 1; fi ;;
  reset) stop; rm -rf "$DATA"; log "deleted $DATA" ;;
  classpath) ensure_libs; echo "$LIBS/*" ;;
  *) die "usage: $0 start|stop|status|reset|classpath" ;;
esac
