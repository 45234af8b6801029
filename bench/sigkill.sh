#!/usr/bin/env bash
# SIGKILL recovery test (minutes, not a unit test): K rounds of starting the distribution on the
# same var/, a steady inbound load (20 msg/s over 4 sessions) for a random 2-6 s, then SIGKILL of the
# server JVM; then a last start that must POST every message it acknowledged (250 after DATA).
# Prints acknowledged, delivered, lost (must be 0), repeats (allowed, counted), refused/broken sends
# and start failures. See bench/README.md, "The SIGKILL test".
#
#   bench/sigkill.sh [--kills K] [KillRecoveryBenchmark options...]   (default 100 kills, ~15 min)
#   environment:  DISTRIBUTION (default server/target/helpdesk-mail-<version>)
#                 PEER_DIR (default ../shared/bench/peer: its samples/inbound-2k.eml is the message)
#
# Writes bench/target/sigkill.json (+ sigkill.server.log, every start's log). Exit 0: nothing lost
# and every start succeeded; 1: a message was lost or a start failed; 2: bad command line.
set -euo pipefail
cd "$(dirname "$0")/.."

version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' pom.xml | head -1)
distribution=${DISTRIBUTION:-$PWD/server/target/helpdesk-mail-$version}
samples=${PEER_DIR:-../shared/bench/peer}/samples
[ -x "$distribution/bin/helpdesk-mail" ] || { echo "no distribution at $distribution: build it (mvn -B -q package -DskipTests) or set DISTRIBUTION" >&2; exit 2; }
[ -d "$samples" ] || { echo "no samples at $samples (set PEER_DIR)" >&2; exit 2; }
if [ ! -f bench/target/classes/org/helpdeskmail/bench/KillRecoveryBenchmark.class ] || [ ! -d bench/target/lib ]; then
    echo "building the benchmark (mvn -pl bench package)"
    mvn -B -q -pl bench package -DskipTests
fi
exec java -cp "bench/target/classes:bench/target/lib/*" org.helpdeskmail.bench.KillRecoveryBenchmark \
    --distribution "$distribution" --samples "$samples" "$@"
