#!/usr/bin/env bash
# Prints the path of a Maven >= 3.9 `mvn` (Quarkus supports 3.9+; Debian 12 ships 3.8.7).
# Uses the machine's mvn if recent enough, else fetches Maven from Maven Central with the machine's mvn
# (no wrapper: its properties file would name a download host) and unpacks it into the cache.
source "$(dirname "$0")/lib.sh"

VERSION=3.9.16
CACHED="$SEQAUDIT_CACHE/apache-maven-$VERSION/bin/mvn"

command -v mvn >/dev/null || apt_install maven
# `mvn -v` may colour its output: keep only the version number.
system_version=$(mvn -B -v 2>/dev/null | sed -n 's/.*Apache Maven \([0-9][0-9.]*\).*/\1/p' | head -n 1) || true
if [[ -n $system_version ]] && printf '3.9\n%s\n' "$system_version" | sort -V -C; then
  command -v mvn
  exit 0
fi

if [[ ! -x $CACHED ]]; then
  log "machine's Maven is ${system_version:-unknown}; fetching Maven $VERSION into $SEQAUDIT_CACHE"
  tmp=$(mktemp -d "$SEQAUDIT_CACHE/maven.XXXXXX")
  trap 'rm -rf "$tmp"' EXIT
  # Run from the empty temp dir so that no project pom is read.
  (cd "$tmp" && mvn -B -q -Dstyle.color=never org.apache.maven.plugins:maven-dependency-plugin:3.8.1:copy \
    -Dartifact="org.apache.maven:apache-maven:$VERSION:tar.gz:bin" -DoutputDirectory="$tmp") >&2 \
    || die "could not fetch org.apache.maven:apache-maven:$VERSION from Maven Central"
  tar -xzf "$tmp/apache-maven-$VERSION-bin.tar.gz" -C "$tmp"
  # Move into place in one step so that an interrupted run leaves no half-unpacked Maven.
  rm -rf "$SEQAUDIT_CACHE/apache-maven-$VERSION"
  mv "$tmp/apache-maven-$VERSION" "$SEQAUDIT_CACHE/"
fi
echo "$CACHED"
