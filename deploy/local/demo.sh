#!/usr/bin/env bash
# THE demo: on a fresh machine, starts what is missing (Redis, the Kafka broker), builds, starts the seqaudit
# service, runs the traffic generator (a producer using the interceptor, with faults injected at known places)
# and prints one table: injected / detected by seqaudit (read from its REST API) / match. Exit 0 only if every
# row matches. Flags go to the generator (see --help); --keep-running leaves the service up for a look.
#   bash deploy/local/demo.sh [--records 100000] [--keys 2000] [--grace 10s] [--loss-rate 0.002] ... [--keep-running]
source "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"

keep=0
grace=10s
port="${SEQAUDIT_DEMO_PORT:-8095}"
args=()
while (($#)); do
  case "$1" in
    --keep-running) keep=1 ;;
    --grace) grace="$2"; args+=("$1" "$2"); shift ;;
    --help) args+=("$1") ;;
    *) args+=("$1" "${2:?"$1 needs a value"}"); shift ;;
  esac
  shift
done

bash "$here/redis.sh" start
started_kafka=0
if ! bash "$here/kafka.sh" status 2>/dev/null; then
  bash "$here/kafka.sh" start
  started_kafka=1
fi
MVN=$(bash "$here/maven.sh")
cd "$SEQAUDIT_ROOT"
if [[ ! -f target/quarkus-app/quarkus-run.jar || -n $(find src pom.xml -newer target/quarkus-app/quarkus-run.jar -print -quit) ]]; then
  log "building (mvn package -DskipTests)"
  "$MVN" -B -q package -DskipTests >&2
fi
cp=("target/quarkus-app/lib/boot/*:target/quarkus-app/lib/main/*:target/classes:target/test-classes")
if [[ " ${args[*]} " == *" --help "* ]]; then
  exec java -cp "${cp[0]}" io.seqaudit.demo.TrafficGenerator --help
fi

# A fresh topic, Redis prefix and group per run: each demo starts from a clean slate.
run="demo-$(date +%Y%m%d-%H%M%S)"
# A throwaway API token for this run: the service keeps only its SHA-256 (README, "Security").
token="$(head -c 32 /dev/urandom | od -An -tx1 | tr -d ' \n')"
tokens_file="$SEQAUDIT_RUN/$run.tokens"
(umask 077 && printf 'viewer:%s:demo\n' "$(printf %s "$token" | sha256sum | cut -d' ' -f1)" >"$tokens_file")
log "starting the seqaudit service on :$port (topic $run, grace $grace)"
SEQAUDIT_TOPICS="$run,$run-consumers" SEQAUDIT_CONSUMERS="$run-commit-first,$run-process-first" \
  SEQAUDIT_AUDIT_RECEIPT_TOPIC="$run-receipts" SEQAUDIT_GRACE="$grace" SEQAUDIT_STATE_PREFIX="seqaudit-$run" \
  SEQAUDIT_AUDIT_GROUP_ID="seqaudit-$run" QUARKUS_HTTP_PORT="$port" SEQAUDIT_API_TOKENS_FILE="$tokens_file" \
  KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$SEQAUDIT_KAFKA_PORT" \
  nohup java -Xmx1g -XX:+UseParallelGC -jar target/quarkus-app/quarkus-run.jar >"$SEQAUDIT_RUN/$run.log" 2>&1 &
service=$!

cleanup() {
  if ((keep)); then return; fi
  rm -f "$tokens_file"
  kill "$service" 2>/dev/null && wait "$service" 2>/dev/null || true
  if ((started_kafka)); then bash "$here/kafka.sh" stop; fi
}
trap cleanup EXIT

ready() { kill -0 "$service" 2>/dev/null && curl -fs "http://127.0.0.1:$port/q/health/ready" >/dev/null; }
wait_for 60 "the seqaudit service" ready || die_with_log "$SEQAUDIT_RUN/$run.log" "the service did not start"

status=0
SEQAUDIT_DEMO_TOKEN="$token" java -Djava.util.logging.manager=org.jboss.logmanager.LogManager -cp "${cp[0]}" \
  io.seqaudit.demo.TrafficGenerator --topic "$run" --grace "$grace" \
  --api "http://127.0.0.1:$port" --bootstrap "127.0.0.1:$SEQAUDIT_KAFKA_PORT" "${args[@]}" || status=$?

if ((keep)); then
  echo "The service keeps running (pid $service, log $SEQAUDIT_RUN/$run.log)."
  echo "Read its API with: curl -H 'Authorization: Bearer $token' http://127.0.0.1:$port/api/v1/summary"
  echo "Stop it with: kill $service$( ((started_kafka)) && echo " && bash deploy/local/kafka.sh stop")"
fi
exit "$status"
