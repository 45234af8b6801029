#!/usr/bin/env bash
# Outbound benchmark: N notifications submitted with STARTTLS + AUTH over CONCURRENCY sessions to the
# built distribution, DKIM-signed and delivered to a sink MX on loopback (found through an MX record
# of the benchmark's own DNS responder); then the same load through the peer (Postfix relaying to
# the same sink, with OpenDKIM when installed) and the ratios. See bench/README.md.
#
#   bench/outbound.sh [SIZE] [N] [CONCURRENCY] [OutboundBenchmark options...]
#     SIZE         2k | 50k (the peer's outbound samples), or a mix such as 2k:9,50k:1
#     N            measured messages (default 5000), CONCURRENCY sessions (default 10)
#     options      e.g. --per-session 10, --sink-starttls, --no-dkim, --server-java-opts '...'
#   environment:   PEER=auto (default) | skip | recorded   PEER_DIR (default ../shared/bench/peer)
#
# Writes bench/results/outbound-<SIZE>.json (+ .server.log), -peer.json, -vs-peer.json.
# Everything stays on 127.0.0.0/8; the peer runs in its own loopback-only network namespace.
set -euo pipefail
cd "$(dirname "$0")/.."

positional=()
while [ $# -gt 0 ] && [ ${#positional[@]} -lt 3 ] && [[ $1 != --* ]]; do positional+=("$1"); shift; done
size=${positional[0]:-2k}
n=${positional[1]:-5000}
concurrency=${positional[2]:-10}
options=("$@")
output=
for ((i = 0; i < ${#options[@]}; i++)); do
    [ "${options[i]}" = --output ] && output=${options[i + 1]:-}
done

peer_mode=${PEER:-auto}
peer_dir=$(cd "${PEER_DIR:-../shared/bench/peer}" 2>/dev/null && pwd || true)
version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' pom.xml | head -1)
distribution="$PWD/server/target/helpdesk-mail-$version"
output=${output:-bench/results/outbound-${size//[^0-9A-Za-z]/_}.json}
peer_output=${output%.json}-peer.json

# ---------------------------------------------------------------- build what is missing
if [ ! -x "$distribution/bin/helpdesk-mail" ]; then
    echo "building the distribution (mvn install -pl server -am) and the benchmark"
    mvn -B -q install -DskipTests -pl server -am
    mvn -B -q package -DskipTests -pl bench
elif [ ! -f bench/target/classes/org/helpdeskmail/bench/OutboundBenchmark.class ] || [ ! -d bench/target/lib ]; then
    echo "building the benchmark (mvn -pl bench package)"
    mvn -B -q -pl bench package -DskipTests
fi
classpath="bench/target/classes:bench/target/lib/*"
[ -n "$peer_dir" ] && [ -d "$peer_dir/samples" ] || { echo "no peer samples at ${PEER_DIR:-../shared/bench/peer}/samples (set PEER_DIR)" >&2; exit 2; }
benchmark() { java -cp "$classpath" org.helpdeskmail.bench.OutboundBenchmark --mix "$size" --messages "$n" --concurrency "$concurrency" \
    --samples "$peer_dir/samples" "$@"; }

# ---------------------------------------------------------------- ours
status=0
mkdir -p "$(dirname "$output")"
rm -f "$output" "$peer_output"
benchmark --output "$output" "${options[@]}" || status=$?
# An incomplete run (refused or missing messages) has no figures worth a comparison.
[ "$status" -eq 0 ] || { echo "our run is incomplete or failed (exit $status): no comparison with the peer" >&2; exit "$status"; }

# ---------------------------------------------------------------- the peer
[ "$peer_mode" = skip ] && exit 0
case "$size" in 2k|50k) ;; *) echo "no peer figures for mix '$size': only 2k and 50k are comparable"; exit 0;; esac

# Installed = what the peer's setup.sh installs and writes for its outbound path (its README,
# "Configuration"): Postfix relaying remote.test to [127.0.0.1]:2526 by its transport map, the
# tools its scripts use, cgroup v1, root. OpenDKIM is optional: the peer signs when it is there.
peer_installed() {
    command -v postfix && command -v postconf && command -v ip && command -v nsenter \
        && grep -q 'remote\\\.test.*\[127\.0\.0\.1\]:2526' /etc/postfix/transport.pcre \
        && [ -d /sys/fs/cgroup/cpuacct ] && [ -d /sys/fs/cgroup/memory ] && [ "$(id -u)" = 0 ]
} >/dev/null 2>&1
opendkim_installed() { [ -x /usr/sbin/opendkim ] && [ -f /etc/opendkim/peer/opendkim.conf ]; }

if [ "$peer_mode" != recorded ] && peer_installed; then
    if postfix status >/dev/null 2>&1; then
        echo "peer: Postfix is running already (another benchmark?); it is left alone. Stop it, or PEER=recorded." >&2
        exit 1
    fi
    queued=$(find /var/spool/postfix/{incoming,active,deferred,maildrop,hold} -type f 2>/dev/null | wc -l)
    if [ "$queued" -gt 0 ]; then
        echo "peer: Postfix still holds $queued queue files from an earlier run; clear them with 'postsuper -d ALL'" >&2
        echo "      (the peer's Postfix serves only these benchmarks), then run again." >&2
        exit 1
    fi
    # The shared folder is read-only: run a copy. setup.sh with SKIP_APT=1 only rewrites the configuration.
    work=$(mktemp -d)
    chmod 755 "$work"
    cp -r "$peer_dir" "$work/peer"
    chmod -R u+w "$work/peer"
    # The peer's helpers (netns, cgroups, pid files) from the copy; its variables are all upper case.
    source "$work/peer/lib/common.sh"
    stop_peer() {
        postconf -X smtpd_milters milter_default_action milter_protocol >/dev/null 2>&1 || true
        ( cd "$work/peer" && ./stop_all.sh ) >/dev/null 2>&1 || true
        rm -rf "$work"
    }
    trap stop_peer EXIT
    ( cd "$work/peer" && SKIP_APT=1 ./setup.sh >"$work/setup.log" 2>&1 ) || { echo "peer setup.sh failed, see $work/setup.log" >&2; tail -20 "$work/setup.log" >&2; exit 1; }
    if opendkim_installed; then mode=dkim; description="Postfix + OpenDKIM"; else mode=plain; description="Postfix (OpenDKIM not installed: unsigned)"; fi
    # The peer's own stack (netns, cgroups, Postfix on 127.0.0.1:2525) as its bench_outbound.sh starts
    # it, with our sink on 2526 in place of smtp-sink, and the milter as bench_outbound.sh turns it on.
    "$work/peer/start_stack.sh" >"$work/stack.log" 2>&1 || { echo "the peer's stack did not start, see $work/stack.log" >&2; exit 1; }
    kill_pidfile "$RUN/sink.pid"
    cpu_cgroups=$CG_CPU/peer_postfix
    if [ "$mode" = dkim ]; then
        mkdir -p "$RUN"; chown opendkim "$RUN" 2>/dev/null || true
        # opendkim writes its own pid file at the same path: the launcher's pid (the same process) is moved over it.
        cg_spawn "$RUN/opendkim.pid.launcher" milter /usr/sbin/opendkim -f -x /etc/opendkim/peer/opendkim.conf >"$LOG/opendkim.out" 2>&1
        mv "$RUN/opendkim.pid.launcher" "$RUN/opendkim.pid"
        wait_port "$DKIM_ADDR"
        postconf -e "smtpd_milters = inet:$DKIM_ADDR" "milter_default_action = tempfail" "milter_protocol = 6"
        postfix reload >/dev/null 2>&1; sleep 2
        cpu_cgroups=$cpu_cgroups,$CG_CPU/peer_milter
    fi
    echo "peer: $description, measured with the same load and sink"
    peer_status=0
    # The benchmark JVM joins the namespace's network only (not its mounts), so it still sees
    # /sys/fs/cgroup, where the peer's CPU and memory are read.
    nsenter --net=/run/netns/"$NETNS" java -cp "$classpath" org.helpdeskmail.bench.OutboundBenchmark --mix "$size" --messages "$n" \
        --concurrency "$concurrency" --samples "$peer_dir/samples" "${options[@]}" --output "$peer_output" \
        --peer 127.0.0.1:2525 --sink-port 2526 --peer-cpu-cgroups "$cpu_cgroups" --peer-memory-cgroup "$CG_MEM/peer_postfix" \
        --peer-description "$description" || peer_status=$?
    stop_peer; trap - EXIT
    [ "$peer_status" -eq 0 ] || { echo "the peer's run is incomplete or failed (exit $peer_status; Postfix log: /var/log/postfix-peer.log)" >&2; exit 1; }
    java -cp "$classpath" org.helpdeskmail.bench.OutboundComparison "$output" "$peer_output" live
else
    [ "$peer_mode" = recorded ] || echo "peer: not installed on this machine (see bench/README.md); using its recorded results"
    # Ours signs: compare with the peer's OpenDKIM runs where it recorded some (2k only).
    mode=plain
    grep -q "\"size\": \"$size\", \"mode\": \"dkim\"" "$peer_dir/results/outbound.jsonl" && mode=dkim
    java -cp "$classpath" org.helpdeskmail.bench.OutboundComparison "$output" "$peer_dir/results/outbound.jsonl" recorded "$size" "$mode"
fi
