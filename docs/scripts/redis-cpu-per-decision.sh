#!/usr/bin/env bash
# Redis' CPU per rate-limit decision, as "Scale on paper" in docs/redis.md measures it: the token bucket script
# (src/main/resources/dev/ratelimit/redis/token_bucket.lua, whose header documents its keys and arguments) run by
# redis-benchmark against a redis-server of its own on 127.0.0.1, one command per round trip. For each load it prints
# the requests per second, Redis' CPU time per call (INFO cpu before and after) and the time inside the command
# (INFO commandstats), then checks that the script answered as a decision does. It stops its servers on exit.
#
# Usage: docs/scripts/redis-cpu-per-decision.sh [--calls N] [--connections C] [--cluster]
#   --calls N        calls per load (default 200000)
#   --connections C  redis-benchmark connections (default 16)
#   --cluster        also run a 3-master Redis Cluster on the same host, 64 connections
# Needs redis-server, redis-cli and redis-benchmark on the PATH (Debian: redis-server, redis-tools).
set -euo pipefail

calls=200000
connections=16
cluster=0
while [ $# -gt 0 ]; do
    case "$1" in
        --calls) calls=$2; shift 2 ;;
        --connections) connections=$2; shift 2 ;;
        --cluster) cluster=1; shift ;;
        *) echo "unknown argument $1" >&2; exit 2 ;;
    esac
done

root=$(cd "$(dirname "$0")/../.." && pwd)
script=$root/src/main/resources/dev/ratelimit/redis/token_bucket.lua
work=$(mktemp -d)
ports=()

stop() {
    for port in "${ports[@]}"; do
        redis-cli -p "$port" SHUTDOWN NOSAVE >/dev/null 2>&1 || true
    done
    rm -rf "$work"
}
trap stop EXIT

in_use() {
    (echo >"/dev/tcp/127.0.0.1/$1") 2>/dev/null
}

free_port() {
    local port
    while :; do
        port=$((20000 + RANDOM % 30000))
        if ! in_use "$port"; then
            echo "$port"
            return
        fi
    done
}

# start_redis <port> [redis-server arguments...]: a redis-server of this script's own on the port, or none. A port
# found free can be taken by another process before this server binds it: the server then exits, and the one
# answering on the port is not ours, which its process id tells.
start_redis() {
    local port=$1
    shift
    mkdir -p "$work/$port"
    redis-server --port "$port" --bind 127.0.0.1 --save '' --appendonly no --daemonize yes \
        --dir "$work/$port" --pidfile "$work/$port/redis.pid" --logfile "$work/$port/redis.log" "$@"
    for _ in $(seq 1 100); do
        if [ -s "$work/$port/redis.pid" ] && redis-cli -p "$port" PING >/dev/null 2>&1; then
            local answering
            answering=$(redis-cli -p "$port" INFO server | tr -d '\r' | awk -F: '/^process_id:/ { print $2 }')
            if [ "$answering" = "$(cat "$work/$port/redis.pid")" ]; then
                ports+=("$port")
                return 0
            fi
            return 1
        fi
        sleep 0.05
    done
    return 1
}

# own_redis [redis-server arguments...]: starts a redis-server of this script's own on a free port, and prints it
own_redis() {
    local port
    for _ in $(seq 1 10); do
        port=$(free_port)
        if start_redis "$port" "$@" >/dev/null; then
            echo "$port"
            return
        fi
    done
    echo "no redis-server of this script's own could be started" >&2
    exit 1
}

cpu_seconds() {
    redis-cli -p "$1" INFO cpu | tr -d '\r' | awk -F: '/^used_cpu_(user|sys):/ { total += $2 } END { printf "%.6f", total }'
}

errors() {
    redis-cli -p "$1" INFO errorstats | tr -d '\r' | awk -F'count=' '/^errorstat_/ { total += $2 } END { print total + 0 }'
}

# measure <port> <label> [redis-benchmark options] <command...>: one load, one line of figures
measure() {
    local port=$1 label=$2
    shift 2
    redis-cli -p "$port" CONFIG RESETSTAT >/dev/null
    local before after output rps command
    before=$(cpu_seconds "$port")
    output=$(redis-benchmark -p "$port" -n "$calls" -c "$connections" -q "$@" 2>&1 | tr '\r' '\n' | grep 'requests per second' | tail -1 || true)
    after=$(cpu_seconds "$port")
    rps=$(echo "$output" | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/')
    command=$(redis-cli -p "$port" INFO commandstats | tr -d '\r' \
        | awk -F'usec_per_call=' '/^cmdstat_(evalsha|ping):/ { split($2, v, ","); print v[1] }')
    printf '%-44s %10s requests/s %7.1f us Redis CPU per call %7s us inside the command\n' \
        "$label" "$rps" "$(echo "$before $after $calls" | awk '{ printf "%.1f", ($2 - $1) * 1e6 / $3 }')" "$command"
    if [ "$(errors "$port")" != 0 ]; then
        echo "Redis answered errors to $label:" >&2
        redis-cli -p "$port" INFO errorstats >&2
        exit 1
    fi
}

# expect <port> <sha> <key> <allowed 1|0> <args...>: one call of the script by hand, and its first reply
expect() {
    local port=$1 sha=$2 key=$3 allowed=$4
    shift 4
    local reply
    reply=$(redis-cli -p "$port" EVALSHA "$sha" 1 "$key" "$@" | head -1)
    if [ "$reply" != "$allowed" ]; then
        echo "the script answered $reply for $key, not allowed=$allowed: its arguments are not the ones passed here" >&2
        exit 1
    fi
}

# The script's arguments: now_ms ('' for Redis' clock), then capacity, refill tokens, refill period in ms and cost
# of each band. 10^6 tokens refilled per second: every call is allowed. 1 token an hour: all but the first refused.
allowed=('' 1000000 1000000 1000 1)
refused=('' 1 1 3600000 1)

port=$(own_redis)
ports+=("$port")
sha=$(redis-cli -p "$port" SCRIPT LOAD "$(cat "$script")")
echo "Redis $(redis-cli -p "$port" INFO server | tr -d '\r' | awk -F: '/^redis_version:/ { print $2 }'), $calls calls per load, $connections connections"

measure "$port" "EVALSHA, allowed, 100,000 keys" -r 100000 EVALSHA "$sha" 1 'ratelimit:{bench:__rand_int__}' "${allowed[@]}"
if [ "$(redis-cli -p "$port" DBSIZE)" -lt 2 ]; then
    echo "the spread load wrote one bucket: its keys were not spread" >&2
    exit 1
fi
measure "$port" "EVALSHA, allowed, one hot key" EVALSHA "$sha" 1 'ratelimit:{bench:hot}' "${allowed[@]}"
# A method under two policies (a per-client one and an endpoint-wide one), decided in one call on one Redis.
measure "$port" "EVALSHA, two policies in one call, 100,000 clients" -r 100000 EVALSHA "$sha" 2 \
    'ratelimit:{bench:__rand_int__}' 'ratelimit:{overall}' "${allowed[@]}" "${allowed[@]:1}"
measure "$port" "EVALSHA, refused (writes nothing), one hot key" EVALSHA "$sha" 1 'ratelimit:{bench:blocked}' "${refused[@]}"
measure "$port" "PING" PING
expect "$port" "$sha" 'ratelimit:{check:fresh}' 1 "${allowed[@]}"
expect "$port" "$sha" 'ratelimit:{bench:blocked}' 0 "${refused[@]}"
echo "The script allowed and refused as a decision does."

if [ "$cluster" = 1 ]; then
    masters=()
    for _ in 1 2 3; do
        master=$(own_redis --cluster-enabled yes --cluster-config-file nodes.conf)
        masters+=("$master")
        ports+=("$master")
    done
    redis-cli --cluster create "${masters[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes >/dev/null
    # Every master must see the cluster whole before the load: one that does not yet refuses its slots.
    for master in "${masters[@]}"; do
        for _ in $(seq 1 100); do
            if redis-cli -p "$master" CLUSTER INFO | grep -q 'cluster_state:ok'; then
                break
            fi
            sleep 0.1
        done
    done
    for master in "${masters[@]}"; do
        redis-cli -p "$master" SCRIPT LOAD "$(cat "$script")" >/dev/null
        redis-cli -p "$master" CONFIG RESETSTAT >/dev/null
    done
    # In cluster mode redis-benchmark routes a key only through the literal placeholder {tag}.
    output=$(redis-benchmark --cluster -p "${masters[0]}" -c 64 -n "$calls" -q -r 100000 \
        EVALSHA "$sha" 1 'ratelimit:{tag}bench:__rand_int__' "${allowed[@]}" 2>&1 \
        | tr '\r' '\n' | grep 'requests per second' | tail -1 || true)
    echo "3-master cluster, 64 connections: $(echo "$output" | sed -E 's/.*: ([0-9.]+) requests per second.*/\1/') requests/s in total"
    for master in "${masters[@]}"; do
        keys=$(redis-cli -p "$master" DBSIZE)
        if [ "$keys" -lt 1 ]; then
            echo "the master on $master holds no bucket: the keys did not spread over the cluster" >&2
            exit 1
        fi
    done
    for master in "${masters[@]}"; do
        if [ "$(errors "$master")" != 0 ]; then
            echo "the master on $master answered errors" >&2
            exit 1
        fi
    done
fi
