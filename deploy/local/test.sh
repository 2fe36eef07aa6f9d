#!/usr/bin/env bash
# THE test command of the project: starts local Redis, PostgreSQL and Kafka, then runs `mvn -B verify`
# in the repo root with Maven >= 3.9. Arguments, if any, replace `verify` (e.g. `test.sh -DskipTests validate`).
# Exit status = Maven's.
source "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"

bash "$here/redis.sh" start
bash "$here/postgres.sh" start
# A broker that already runs stays up; one this run starts is stopped at the end, whatever happens.
if ! bash "$here/kafka.sh" status 2>/dev/null; then
  trap 'bash "$here/kafka.sh" stop' EXIT
  bash "$here/kafka.sh" start
fi
MVN=$(bash "$here/maven.sh")

# The tests read the broker address from the environment.
export KAFKA_BOOTSTRAP_SERVERS="127.0.0.1:$SEQAUDIT_KAFKA_PORT"
cd "$SEQAUDIT_ROOT"
# No -q: CI reads Surefire's "Tests run:" lines.
status=0
"$MVN" -B "${@:-verify}" || status=$?
exit "$status"
