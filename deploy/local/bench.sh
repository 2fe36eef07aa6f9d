#!/usr/bin/env bash
# THE benchmark (a command that prints figures, not a test): starts what is missing (Redis, the Kafka broker),
# builds, then runs io.seqaudit.bench.Benchmark against that broker and Redis: audit throughput against Kafka's own
# ConsumerPerformance, Redis bytes per idle stream, stamping overhead, detection delay, and the scale-out table
# (1 or 2 auditors, single Redis or the Redis Cluster of redis-cluster.sh, started if none runs). Prints a summary
# with targets and rewrites the results section of docs/benchmarks.md. The full run takes about 12 minutes on 2 cores.
#   bash deploy/local/bench.sh [--records 2000000] [--keys 100000] [--value-bytes 200] [--rounds 3]
#                              [--stamp-records 1000000] [--gaps 150] [--fill-threads 4] [--keep-topics] [--doc PATH]
#                              [--scale-out-only | --no-scale-out]
source "$(dirname "$0")/lib.sh"
here="$(cd "$(dirname "$0")" && pwd)"
command_line="bash deploy/local/bench.sh${*:+ $*}"
keep_topics=0
[[ " $* " == *" --keep-topics "* ]] && keep_topics=1

bash "$here/redis.sh" start
started_kafka=0
if ! bash "$here/kafka.sh" status 2>/dev/null; then
  bash "$here/kafka.sh" start
  started_kafka=1
fi
kafka_cp=$(bash "$here/kafka.sh" classpath)
MVN=$(bash "$here/maven.sh")
cd "$SEQAUDIT_ROOT"
if [[ ! -f target/quarkus-app/quarkus-run.jar || -n $(find src pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit) ]]; then
  log "building (mvn package -DskipTests)"
  "$MVN" -B -q package -DskipTests >&2
fi

# One id for the topics, consumer groups, Redis prefixes and logs of this run.
run="bench-$(date +%Y%m%d-%H%M%S)"
pids="$SEQAUDIT_RUN/$run.pids"
cluster_ports="${SEQAUDIT_REDIS_CLUSTER_PORTS:-7001 7002 7003}"

# The Java program stops what it started and deletes its keys and topics itself, then removes the pid file; if
# the file is still there, it was killed: stop what it left and delete its keys and topics from here.
bench_pid=
cleanup() {
  local status=$? pid
  if [[ -n $bench_pid ]] && kill -0 "$bench_pid" 2>/dev/null; then
    kill -TERM "$bench_pid" 2>/dev/null || true
    wait "$bench_pid" 2>/dev/null || true
  fi
  if [[ -f $pids ]]; then
    while read -r pid; do
      # Only a process of ours: the pid may have been reused since.
      if tr '\0' ' ' 2>/dev/null <"/proc/$pid/cmdline" | grep -qE 'quarkus-run\.jar|ConsumerPerformance'; then
        log "stopping leftover process $pid"
        kill -TERM "$pid" 2>/dev/null || true
      fi
    done <"$pids"
    redis-cli -h 127.0.0.1 -p "$SEQAUDIT_REDIS_PORT" --scan --pattern "seqaudit-$run-*" |
      xargs -r redis-cli -h 127.0.0.1 -p "$SEQAUDIT_REDIS_PORT" unlink >/dev/null || true
    if [[ -f $SEQAUDIT_RUN/$run.cluster ]]; then
      # The benchmark started the Redis Cluster for its scale-out step: stopping it drops its keys too.
      SEQAUDIT_REDIS_CLUSTER_PORTS="$cluster_ports" bash "$here/redis-cluster.sh" stop || true
      rm -f "$SEQAUDIT_RUN/$run.cluster"
    else
      for port in $cluster_ports; do # one key per UNLINK: a cluster node refuses keys of several slots
        redis-cli -h 127.0.0.1 -p "$port" --scan --pattern "seqaudit-$run-*" 2>/dev/null |
          xargs -r -n 1 redis-cli -h 127.0.0.1 -p "$port" unlink >/dev/null 2>&1 || true
      done
    fi
    if ((!keep_topics)); then
      log "deleting the topics $run-*"
      java -cp "$kafka_cp" org.apache.kafka.tools.TopicCommand --bootstrap-server "127.0.0.1:$SEQAUDIT_KAFKA_PORT" \
        --delete --if-exists --topic "$run-.*" >/dev/null 2>&1 || true
    fi
    rm -f "$pids"
  fi
  if ((started_kafka)); then bash "$here/kafka.sh" stop; fi
  exit "$status"
}
trap cleanup EXIT
trap 'exit 130' INT TERM
: >"$pids"

java -Djava.util.logging.manager=org.jboss.logmanager.LogManager \
  -cp "target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/classes:target/test-classes" io.seqaudit.bench.Benchmark \
  --bootstrap "127.0.0.1:$SEQAUDIT_KAFKA_PORT" --redis "127.0.0.1:$SEQAUDIT_REDIS_PORT" \
  --redis-cluster-ports "$cluster_ports" \
  --jar target/quarkus-app/quarkus-run.jar --kafka-classpath "$kafka_cp" --log-dir "$SEQAUDIT_RUN" \
  --run-id "$run" --command "$command_line" "$@" &
bench_pid=$!
wait "$bench_pid"
