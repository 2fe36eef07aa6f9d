#!/usr/bin/env bash
# Checks what can rot under deploy/ without a cluster:
#   promtool check rules   the alert rules are valid (syntax, PromQL, templates)
#   promtool test rules    every rule fires when it should and stays quiet when it should not (tests/*.yml)
#   yamllint               every YAML file under deploy/ is well formed and tidy (deploy/.yamllint)
# Installs Debian's prometheus (for promtool) and yamllint where they are missing. Exit status: 0 only if all pass.
# Run by deploy/local/test.sh before Maven, so by .ci/run. The manifests' content is checked by DeployManifestsTest.
source "$(dirname "$0")/../local/lib.sh"
deploy="$SEQAUDIT_ROOT/deploy"

missing=()
command -v promtool >/dev/null || missing+=(prometheus)
command -v yamllint >/dev/null || missing+=(yamllint)
if ((${#missing[@]})); then apt_install "${missing[@]}"; fi

status=0
log "promtool check rules"
promtool check rules "$deploy/prometheus/seqaudit-rules.yml" >&2 || status=1
log "promtool test rules"
# promtool resolves each test's rule_files relative to the test file.
promtool test rules "$deploy"/prometheus/tests/*.yml >&2 || status=1
log "yamllint"
yamllint --strict -c "$deploy/.yamllint" "$deploy" >&2 || status=1

if ((status)); then log "FAILED: see above"; else log "all deploy/ checks passed"; fi
exit "$status"
