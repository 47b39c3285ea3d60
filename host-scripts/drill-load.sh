#!/usr/bin/env bash
# The load and the sampler of a drill (npm run drill), on one lab host.
#   start: fortio sends NETLAB_QPS requests/s to NETLAB_URL (fabio on a lab host) for at most
#          NETLAB_MAX_SECONDS, and a sampler reads every instance's /stats (the requests it
#          served, by path) about once a second, from Consul's list of the service.
#   stop:  interrupts fortio (it writes its JSON result) and stops the sampler.
#   probe: NETLAB_COUNT requests to NETLAB_URL, one at a time; prints how many got each answer.
#   cat-result, cat-samples: print fortio's JSON result, the samples (JSON lines).
#   clean: removes the drill's folder.
# Everything lives in NETLAB_DIR. Safe to re-run: start refuses while a drill runs there,
# stop and clean do nothing when nothing runs. The load is bounded in time by fortio's -t and
# goes only to the URL given (a lab address). Inputs (rendered in): NETLAB_ACTION, NETLAB_DIR,
# NETLAB_URL, NETLAB_QPS, NETLAB_CONNECTIONS, NETLAB_MAX_SECONDS, NETLAB_SERVICE, NETLAB_PORT,
# NETLAB_COUNT.
set -euo pipefail

: "${NETLAB_ACTION:?}" "${NETLAB_DIR:?}"
dir=$NETLAB_DIR

running() { [ -f "$dir/$1.pid" ] && kill -0 "$(cat "$dir/$1.pid")" 2>/dev/null; }

sample_once() {
    local t rows
    t=$(date +%s%3N)
    rows=$(curl -fsS --max-time 1 "http://127.0.0.1:8500/v1/health/service/$NETLAB_SERVICE" 2>/dev/null |
        jq -r '.[] | "\(.Service.Address) \(.Service.Tags | index("canary") != null)"') || rows=""
    local instances=()
    while read -r addr canary; do
        [ -n "$addr" ] || continue
        if s=$(curl -fsS --max-time 1 "http://$addr:$NETLAB_PORT/stats" 2>/dev/null); then
            instances+=("$(jq -c --argjson canary "$canary" '{id, version, canary: $canary, served}' <<<"$s")")
        fi
    done <<<"$rows"
    printf '%s\n' "${instances[@]}" | jq -cs --argjson t "$t" '{t: $t, instances: [.[] | select(. != null)]}'
}

case "$NETLAB_ACTION" in
start)
    : "${NETLAB_URL:?}" "${NETLAB_QPS:?}" "${NETLAB_MAX_SECONDS:?}" "${NETLAB_SERVICE:?}" "${NETLAB_PORT:?}"
    if running fortio; then
        echo "drill-load: a drill already runs in $dir (fortio pid $(cat "$dir/fortio.pid"))" >&2
        exit 1
    fi
    rm -rf "$dir"
    mkdir -p "$dir"
    # The baseline: what every instance served before the load.
    sample_once >> "$dir/samples.jsonl"
    # The sampler, detached from this session; it stops by itself after the load's longest run.
    end=$(($(date +%s) + NETLAB_MAX_SECONDS + 30))
    (
        trap '' HUP
        while [ "$(date +%s)" -lt "$end" ]; do
            sample_once >> "$dir/samples.jsonl" || true
            sleep 1
        done
    ) < /dev/null > "$dir/sampler.log" 2>&1 &
    echo $! > "$dir/sampler.pid"
    nohup fortio load -qps "$NETLAB_QPS" -c "${NETLAB_CONNECTIONS:-16}" -t "${NETLAB_MAX_SECONDS}s" -p "50,90,99" \
        -json "$dir/fortio.json" -quiet "$NETLAB_URL" < /dev/null > "$dir/fortio.log" 2>&1 &
    echo $! > "$dir/fortio.pid"
    sleep 1
    if ! running fortio; then
        cat "$dir/fortio.log" >&2
        echo "drill-load: fortio stopped at once (above)" >&2
        exit 1
    fi
    echo "drill-load: $NETLAB_QPS qps to $NETLAB_URL for at most ${NETLAB_MAX_SECONDS}s, sampling $NETLAB_SERVICE"
    ;;
stop)
    if running fortio; then
        kill -INT "$(cat "$dir/fortio.pid")"
        for _ in $(seq 1 60); do
            running fortio || break
            sleep 0.5
        done
    fi
    # One last sample after the load, so the last second's requests are counted.
    if [ -d "$dir" ]; then
        sample_once >> "$dir/samples.jsonl" || true
    fi
    if running sampler; then
        kill "$(cat "$dir/sampler.pid")" 2>/dev/null || true
    fi
    [ ! -d "$dir" ] || [ -s "$dir/fortio.json" ] || { cat "$dir/fortio.log" >&2 || true; echo "drill-load: fortio wrote no result" >&2; exit 1; }
    echo "drill-load: stopped"
    ;;
probe)
    : "${NETLAB_URL:?}" "${NETLAB_COUNT:?}"
    for _ in $(seq 1 "$NETLAB_COUNT"); do
        curl -sS --max-time 2 -w ' %{http_code}\n' "$NETLAB_URL" 2>&1 | tail -1 || true
    done | sort | uniq -c
    ;;
cat-result) cat "$dir/fortio.json" ;;
cat-samples) cat "$dir/samples.jsonl" ;;
clean)
    for p in fortio sampler; do
        if running "$p"; then kill "$(cat "$dir/$p.pid")" 2>/dev/null || true; fi
    done
    rm -rf "$dir"
    ;;
*)
    echo "drill-load: unknown action $NETLAB_ACTION (start, stop, cat-result, cat-samples, clean)" >&2
    exit 1
    ;;
esac
