# Common settings and helpers for the local server scripts. Sourced, not run:
#   source "$(dirname "$0")/lib.sh"
set -euo pipefail

SEQAUDIT_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
# Downloads that survive between checkouts (Kafka jars, Maven) ...
export SEQAUDIT_CACHE="${SEQAUDIT_CACHE:-$HOME/.cache/seqaudit}"
# ... and per-checkout state (Kafka data, logs, pid files); git-ignored.
export SEQAUDIT_RUN="${SEQAUDIT_RUN:-$SEQAUDIT_ROOT/.local}"
export SEQAUDIT_KAFKA_PORT="${SEQAUDIT_KAFKA_PORT:-9092}"
export SEQAUDIT_KAFKA_CONTROLLER_PORT="${SEQAUDIT_KAFKA_CONTROLLER_PORT:-9093}"
export SEQAUDIT_REDIS_PORT="${SEQAUDIT_REDIS_PORT:-6379}"
export SEQAUDIT_PG_PORT="${SEQAUDIT_PG_PORT:-5432}"
mkdir -p "$SEQAUDIT_CACHE" "$SEQAUDIT_RUN"

# All messages go to stderr: some scripts print a result (a path) on stdout.
log() { echo "[$(basename "$0" .sh)] $*" >&2; }
die() { log "ERROR: $*"; exit 1; }

# die_with_log <logfile> <message>: fail, showing the end of a server's log (without Java stack frames).
die_with_log() {
  log "ERROR: $2"
  if [[ -s $1 ]]; then
    log "last lines of $1:"
    grep -vE '^\s+(at |\.\.\. [0-9]+ more)' "$1" | tail -n 30 >&2 || true
  fi
  exit 1
}

# wait_for <seconds> <what> <command...>: retry the command every 0.5 s until it succeeds.
wait_for() {
  local secs=$1 what=$2 deadline=$((SECONDS + $1))
  shift 2
  until "$@"; do
    if ((SECONDS >= deadline)); then log "timed out after ${secs}s waiting for $what"; return 1; fi
    sleep 0.5
  done
}

# Package installs need root; on a workstation go through sudo.
as_root() { if ((EUID == 0)); then "$@"; else sudo "$@"; fi; }

# apt_install <pkg...>: Debian packages. The stamp makes test.sh on a fresh machine (Redis, PostgreSQL, Maven:
# three scripts) run `apt-get update` once, not three times.
apt_install() {
  command -v apt-get >/dev/null || die "no apt-get here: install $* yourself"
  log "installing $*"
  local stamp="$SEQAUDIT_CACHE/apt-updated"
  if [[ -z $(find "$stamp" -mmin -60 2>/dev/null) ]]; then as_root apt-get update -qq >&2 && touch "$stamp"; fi
  as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq "$@" >&2
}
