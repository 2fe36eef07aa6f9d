#!/usr/bin/env bash
# THE test command of the project: checks deploy/ (promtool check/test rules, yamllint), starts local Redis,
# PostgreSQL and Kafka, then runs `mvn -B verify` in the repo root with Maven >= 3.9. Arguments, if any, replace
# `verify` (e.g. `test.sh -DskipTests validate`).
# Exit status: Maven's, or 1 if the deploy/ checks failed (Maven still runs, so one run reports both).
source "$(dirname "$0")/lib.sh"
here="$(dirname "$0")"

# Alert rules, their unit tests and YAML lint first: quick, and without a JVM.
deploy_status=0
bash "$here/../prometheus/check.sh" || deploy_status=$?
# DeployManifestsTest renders deploy/ with `kubectl kustomize`. Without kubectl those checks are skipped, not
# installed here: kubectl is a binary from dl.k8s.io (Debian's kubernetes-client 1.20 lacks kustomize components).
if ! command -v "${SEQAUDIT_KUBECTL:-kubectl}" >/dev/null; then
  log "WARNING: kubectl not found: the deploy/ rendering checks will be SKIPPED; install kubectl 1.27+ (https://kubernetes.io/docs/tasks/tools/) or set SEQAUDIT_KUBECTL"
fi

# kcat: a Kafka client that is not ours, for the tests of the public contracts (beacons sent by hand).
command -v kcat >/dev/null || apt_install kcat
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
if ((deploy_status)); then
  log "deploy/ checks failed (deploy/prometheus/check.sh, output above)"
  ((status)) || status=1
fi
exit "$status"
