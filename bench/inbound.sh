#!/usr/bin/env bash
# Inbound benchmark: N messages over CONCURRENCY SMTP sessions into the built distribution, each
# POSTed by the server to a webhook receiver in the benchmark JVM; then the same load on the peer
# baseline (Postfix + PHP pipe) when it is installed here, and the ratios. See bench/README.md.
#
#   bench/inbound.sh [SIZE] [N] [CONCURRENCY] [InboundBenchmark options...]
#     SIZE         2k | 50k (the peer's samples), or a mix such as 2k:9,50k:1 (no peer comparison)
#     N            measured messages (default 2000), CONCURRENCY sessions (default 10)
#     options      e.g. --smtp-only, --per-session 5, --recipient 'user{n}@helpdesk.localhost'
#   environment:   PEER=auto (default) | skip | recorded   PEER_DIR (default ../shared/bench/peer)
#
# Writes bench/target/inbound-<SIZE>[-smtp-only].json (+ .server.log, + -vs-peer.json).
# Everything stays on 127.0.0.0/8: the server's DNS is the benchmark's own responder on a loopback
# port, which knows only the test sender's domain and never forwards.
set -euo pipefail
cd "$(dirname "$0")/.."

positional=()
while [ $# -gt 0 ] && [ ${#positional[@]} -lt 3 ] && [[ $1 != --* ]]; do positional+=("$1"); shift; done
size=${positional[0]:-2k}
n=${positional[1]:-2000}
concurrency=${positional[2]:-10}
options=("$@")
smtp_only=; output=
for ((i = 0; i < ${#options[@]}; i++)); do
    case "${options[i]}" in
        --smtp-only) smtp_only=1;;
        --output) output=${options[i + 1]:-};;
    esac
done

peer_mode=${PEER:-auto}
peer_dir=$(cd "${PEER_DIR:-../shared/bench/peer}" 2>/dev/null && pwd || true)
version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' pom.xml | head -1)
distribution="$PWD/server/target/helpdesk-mail-$version"
output=${output:-bench/target/inbound-${size//[^0-9A-Za-z]/_}${smtp_only:+-smtp-only}.json}

# ---------------------------------------------------------------- build what is missing
if [ ! -x "$distribution/bin/helpdesk-mail" ]; then
    echo "building the distribution and the benchmark (mvn package)"
    mvn -B -q package -DskipTests
elif [ ! -d bench/target/classes/org/helpdeskmail/bench ] || [ ! -d bench/target/lib ]; then
    echo "building the benchmark (mvn -pl bench package)"
    mvn -B -q -pl bench package -DskipTests
fi
classpath="bench/target/classes:bench/target/lib/*"
[ -n "$peer_dir" ] && [ -d "$peer_dir/samples" ] || { echo "no peer samples at ${PEER_DIR:-../shared/bench/peer}/samples (set PEER_DIR)" >&2; exit 2; }

# ---------------------------------------------------------------- ours
status=0
rm -f "$output"
java -cp "$classpath" org.helpdeskmail.bench.InboundBenchmark --mix "$size" --messages "$n" --concurrency "$concurrency" \
    --samples "$peer_dir/samples" --output "$output" "${options[@]}" || status=$?
# An incomplete run (refused or missing messages) has no figures worth a comparison.
[ "$status" -eq 0 ] || { echo "our run is incomplete or failed (exit $status): no comparison with the peer" >&2; exit "$status"; }

# ---------------------------------------------------------------- the peer
# The peer benchmark exists for 2k and 50k at 10 sessions; bench_inbound.sh measures end to end,
# bench_accept.sh acceptance alone (messages put on HOLD), which is what --smtp-only compares with.
case "$size" in 2k|50k) ;; *) echo "no peer figures for mix '$size': only 2k and 50k are comparable"; exit "$status";; esac
[ "$peer_mode" = skip ] && exit "$status"
[ "$concurrency" = 10 ] || echo "note: the peer always uses 10 sessions; ours used $concurrency, so the comparison is not like for like"
if [ -n "$smtp_only" ]; then peer_script=bench_accept.sh; peer_results=accept.jsonl; else peer_script=bench_inbound.sh; peer_results=inbound.jsonl; fi

# Installed = what the peer's setup.sh installs and writes (its README, "Configuration"): Postfix
# with pcre and the helpdesk pipe transport in master.cf, PHP with mailparse and curl, smtp-source,
# the pipe user, the transport map for helpdesk.test, and the cgroup-v1 controllers its scripts use.
peer_installed() {
    command -v postfix && command -v postconf && command -v php && command -v ip && [ -x /usr/sbin/smtp-source ] \
        && php -m | grep -x mailparse && php -m | grep -x curl \
        && [ "$(postconf -h relay_domains 2>/dev/null)" = helpdesk.test ] \
        && postconf -M helpdesk/unix 2>/dev/null | grep inbound.php \
        && grep -q helpdesk /etc/postfix/transport.pcre && id hdpipe \
        && [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ] && [ "$(id -u)" = 0 ]
} >/dev/null 2>&1

compare() {  # compare PEER_JSONL live|recorded
    java -cp "$classpath" org.helpdeskmail.bench.PeerComparison "$output" "$1" "$size" "$2"
}

if [ "$peer_mode" != recorded ] && peer_installed; then
    # The shared folder is read-only: run a copy. setup.sh with SKIP_APT=1 only rewrites the
    # configuration, so the pipe transport points at this copy's inbound.php. Its results/ starts
    # empty so that every row read back is from this run.
    queued=$(find /var/spool/postfix/{incoming,active,deferred,maildrop,hold} -type f 2>/dev/null | wc -l)
    if [ "$queued" -gt 0 ]; then
        echo "peer: Postfix still holds $queued queue files from an earlier run; its benchmark waits for an empty queue." >&2
        echo "      Clear them with 'postsuper -d ALL' (the peer's Postfix serves only this benchmark), then run again." >&2
        exit 1
    fi
    work=$(mktemp -d)
    chmod 755 "$work" # the pipe runs php as user hdpipe, which must reach the copy's inbound.php
    trap '( cd "$work/peer" && ./stop_all.sh >/dev/null 2>&1 ); rm -rf "$work"' EXIT
    cp -r "$peer_dir" "$work/peer"
    chmod -R u+w "$work/peer"
    rm -f "$work/peer/results/"*.jsonl
    echo "peer: installed; running ./$peer_script $size 1 $n in a copy ($work/peer)"
    ( cd "$work/peer" && SKIP_APT=1 ./setup.sh >"$work/setup.log" 2>&1 ) || { echo "peer setup.sh failed, see $work/setup.log" >&2; tail -20 "$work/setup.log" >&2; exit 1; }
    ( cd "$work/peer" && "./$peer_script" "$size" 1 "$n" ) >"$work/peer-run.log" 2>&1 \
        || { echo "the peer run failed (Postfix log: /var/log/postfix-peer.log); the end of its output:" >&2
             tail -20 "$work/peer-run.log" >&2; exit 1; }
    tail -1 "$work/peer-run.log"
    ( cd "$work/peer" && ./stop_all.sh >/dev/null 2>&1 ) || true
    compare "$work/peer/results/$peer_results" live
else
    [ "$peer_mode" = recorded ] || echo "peer: not installed on this machine (see bench/README.md); using its recorded results"
    compare "$peer_dir/results/$peer_results" recorded
fi
exit "$status"
