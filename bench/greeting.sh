#!/usr/bin/env bash
# Greeting burst: starts the distribution as deployed (its own limits, the JVM's own resolver for
# client names: no hosts file), opens 300 connections at once to the MX from 127.0.0.2 ... 127.0.0.31
# (10 each) and measures, for each, connect() start to the complete 220; then a second burst from
# the same addresses. Goal: every 220 within 1 s. See bench/README.md, "The greeting burst".
#
#   bench/greeting.sh [GreetingBurstBenchmark options...]   e.g. --connections 60 --addresses 6
#   environment:  DISTRIBUTION (default server/target/helpdesk-mail-<version>)
#
# Writes bench/target/greeting.json (+ greeting.server.log). Exit 0: goal met in every burst;
# 1: missed; 2: bad command line or nothing to run.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' pom.xml | head -1)
distribution=${DISTRIBUTION:-$PWD/server/target/helpdesk-mail-$version}
[ -x "$distribution/bin/helpdesk-mail" ] || { echo "no distribution at $distribution: build it (mvn -B -q package -DskipTests) or set DISTRIBUTION" >&2; exit 2; }
if [ ! -f bench/target/classes/org/helpdeskmail/bench/GreetingBurstBenchmark.class ] || [ ! -d bench/target/lib ]; then
    echo "building the benchmark (mvn -pl bench package)"
    mvn -B -q -pl bench package -DskipTests
fi
# The commit the distribution was built from is not recorded in it: the work tree's is the best guess
# (right when the distribution was built from this tree and nothing was committed since).
commit=$(git log -1 --format=%h 2>/dev/null || echo unknown)
exec java -cp "bench/target/classes:bench/target/lib/*" org.helpdeskmail.bench.GreetingBurstBenchmark \
    --distribution "$distribution" --commit "${DISTRIBUTION_COMMIT:-$commit}" "$@"
