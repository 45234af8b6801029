#!/usr/bin/env bash
# Cold start of the packaged distribution: time from launching bin/helpdesk-mail to the first
# "220" on the mx listener, RUNS times each for a first start (empty var/: database schema, queue
# store, TLS key are created) and a restart (same var/). Prints the medians and writes
# bench/target/cold-start.json. Everything on 127.0.0.1; DNS points to a dead loopback port.
#   bench/cold-start.sh [RUNS]   (default 5)
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${1:-5}
version=$(sed -n 's:^    <version>\(.*\)</version>:\1:p' pom.xml | head -1)
distribution="$PWD/server/target/helpdesk-mail-$version"
[ -x "$distribution/bin/helpdesk-mail" ] || mvn -B -q package -DskipTests
mkdir -p bench/target
work=$(mktemp -d)
trap 'kill "$pid" 2>/dev/null || true; rm -rf "$work"' EXIT
pid=

export HELPDESK_MX_BIND=127.0.0.1:${BENCH_MX_PORT:-12525}
export HELPDESK_SUBMISSION_BIND=127.0.0.1:${BENCH_SUBMISSION_PORT:-12587}
export HELPDESK_WEBADMIN_BIND=127.0.0.1:${BENCH_WEBADMIN_PORT:-18000}
export HELPDESK_JMX_BIND=127.0.0.1:${BENCH_JMX_PORT:-19999}
export HELPDESK_DNS_SERVERS=127.0.0.1:${BENCH_DNS_PORT:-15353}
export HELPDESK_HOSTNAME=mx.helpdesk.localhost
# The JVM resolves client host names only from this file: no lookup leaves the machine.
printf '127.0.0.1 localhost %s\n' "$(hostname)" > "$work/hosts"
export JAVA_OPTS="-Xms64m -Xmx512m -XX:+UseSerialGC -Djdk.net.hosts.file=$work/hosts"
mx_port=${HELPDESK_MX_BIND##*:}

now_ms() { date +%s%3N; }

answers_220() {
    local banner
    { exec 3<>"/dev/tcp/127.0.0.1/$mx_port"; } 2>/dev/null || return 1
    read -r -t 2 banner <&3 || { exec 3>&-; return 1; }
    exec 3>&-
    [[ $banner == 220* ]]
}

# Prints milliseconds from launch to 220 for a server on var directory $1.
time_start() {
    export HELPDESK_VAR_DIR=$1
    local start
    start=$(now_ms)
    "$distribution/bin/helpdesk-mail" >>"$work/server.log" 2>&1 &
    pid=$!
    until answers_220; do
        kill -0 "$pid" 2>/dev/null || { echo "server exited; see log:" >&2; tail -20 "$work/server.log" >&2; exit 1; }
        sleep 0.02
    done
    echo $(( $(now_ms) - start ))
    kill "$pid"; wait "$pid" 2>/dev/null || true
}

median() { printf '%s\n' "$@" | sort -n | awk '{a[NR]=$1} END {print (NR%2) ? a[(NR+1)/2] : (a[NR/2]+a[NR/2+1])/2}'; }

first=(); restart=()
for i in $(seq "$runs"); do
    var="$work/var-$i"
    first+=("$(time_start "$var")")
    restart+=("$(time_start "$var")")
    echo "run $i: first start ${first[-1]} ms, restart ${restart[-1]} ms"
done
first_median=$(median "${first[@]}")
restart_median=$(median "${restart[@]}")
echo "median time to SMTP 220: first start ${first_median} ms, restart ${restart_median} ms (goal: under 5000 ms)"
printf '{"runs": %d, "firstStartMs": [%s], "restartMs": [%s], "firstStartMedianMs": %s, "restartMedianMs": %s, "cpus": %d, "date": "%s"}\n' \
    "$runs" "$(IFS=,; echo "${first[*]}")" "$(IFS=,; echo "${restart[*]}")" "$first_median" "$restart_median" "$(nproc)" "$(date -u +%FT%TZ)" \
    > bench/target/cold-start.json
