#!/usr/bin/env bash
# Writes a Nomad variable through the local agent's HTTP API (an HTTPS job's certificate and
# key: the job's templates read it with nomadVar), or deletes it (NETLAB_ACTION=delete). The
# items come rendered into the script, which the program keeps as a secret; they are sent on
# stdin to curl, never on a command line. Safe to re-run: a PUT of the same items changes
# nothing the job sees. Inputs (rendered in): NETLAB_PATH (e.g. nomad/jobs/httpsbackend-sni-1),
# NETLAB_ITEMS (a JSON object of item -> string), NETLAB_ACTION (create or delete).
set -euo pipefail

: "${NETLAB_PATH:?}"
api="http://127.0.0.1:4646/v1/var/$NETLAB_PATH"

if [ "${NETLAB_ACTION:-create}" = delete ]; then
    # Nomad answers a delete of a missing variable with success; a stopped agent leaves nothing to keep.
    curl -fsS -X DELETE "$api" >/dev/null 2>&1 || true
    echo "nomad variable $NETLAB_PATH deleted"
    exit 0
fi
: "${NETLAB_ITEMS:?}"
jq -n --arg path "$NETLAB_PATH" --argjson items "$NETLAB_ITEMS" '{Path: $path, Items: $items}' |
    curl -fsS -X PUT --data-binary @- "$api" >/dev/null
# Its metadata only: the items stay in Nomad.
curl -fsS "$api" | jq -r '"nomad variable \(.Path): items \(.Items | keys | join(", ")), modify index \(.ModifyIndex)"'
