# shellcheck shell=bash
# The prelude of every host script: lib/scripts.ts renderHostScript puts it after the
# script's inputs (right below `set -euo pipefail`), so the scripts share these helpers while
# each still runs on its own (piped to `bash -s`, or installed and run by a unit at boot).
# renderHostScript also sets NETLAB_SCRIPT, the script's name in messages.

# A line on stderr: the time (UTC), the script's name and MSG.
log() { # MSG…
    printf '%s %s: %s\n' "$(date -u +%H:%M:%S)" "${NETLAB_SCRIPT:-${0##*/}}" "$*" >&2
}

# Logs MSG and exits 1 (from a command substitution: only that subshell).
die() { # MSG…
    log "$@"
    exit 1
}

# Tries CMD… once a second until it succeeds, for at most SECONDS (at least one try), and says
# every ~10 s what it still waits for. CMD runs in this shell (it may set variables; it must
# not exit), with stdin from /dev/null (a script piped to `bash -s` keeps the rest of itself)
# and its output kept: the last try's (at most 20 lines) is in $tried_output afterwards.
# Status 0 once CMD succeeded, 1 when the time ran out.
try_until() { # SECONDS DESCRIPTION CMD…
    local seconds=$1 what=$2 start=$SECONDS next out status=1
    shift 2
    next=$((start + 10))
    out=$(mktemp)
    while :; do
        if "$@" >"$out" 2>&1 </dev/null; then
            status=0
            break
        fi
        [ "$((SECONDS - start))" -lt "$seconds" ] || break
        if [ "$SECONDS" -ge "$next" ]; then
            log "still waiting for $what ($((SECONDS - start))s of ${seconds}s)"
            next=$((SECONDS + 10))
        fi
        sleep 1
    done
    tried_output=$(tail -n 20 "$out")
    rm -f "$out"
    return "$status"
}

# try_until, and on timeout dies naming DESCRIPTION and what CMD said last.
wait_until() { # SECONDS DESCRIPTION CMD…
    try_until "$@" || die "timed out after $1s waiting for $2${tried_output:+; the last try said:
$tried_output}"
}

# Writes stdin to FILE when that changes it, with MODE (default 0644) and OWNER (default: the
# writer). Status 0: FILE changed; 1: it already held that (its mode and owner left as they are).
# Give it stdin by a redirection (<<<, <<EOF), not a pipe: piped to, it runs in a subshell, and
# its die when it cannot write would not stop the script.
write_if_changed() { # FILE [MODE [OWNER:GROUP]]
    local file=$1 mode=${2:-0644} owner=${3:-} tmp
    tmp=$(mktemp "$file.netlab-XXXXXX")
    cat >"$tmp"
    if cmp -s "$tmp" "$file"; then
        rm -f "$tmp"
        return 1
    fi
    # (Called as a condition, a failure here would not stop the script: it is checked.)
    if ! chmod "$mode" "$tmp" || { [ -n "$owner" ] && ! chown "$owner" "$tmp"; } || ! mv -f "$tmp" "$file"; then
        rm -f "$tmp"
        die "cannot write $file"
    fi
}

# Installs systemd unit NAME (its text on stdin) and enables it; systemd reloads only when the
# unit changed.
install_unit() { # NAME
    if write_if_changed "/etc/systemd/system/$1"; then
        systemctl daemon-reload
        systemctl enable "$1" >/dev/null 2>&1
    fi
}

# Disables and removes systemd unit NAME, if it is there.
remove_unit() { # NAME
    [ -f "/etc/systemd/system/$1" ] || return 0
    systemctl disable "$1" >/dev/null 2>&1 || true
    rm -f "/etc/systemd/system/$1"
    systemctl daemon-reload
}

# Imports image tarballs into containerd's k8s.io namespace (where the kubelet finds them: no
# registry in the lab), then checks that every image expected is there. Dies on a missing
# tarball or image.
import_images() { # "TAR…" "IMAGE…" (space-separated)
    local tar image have
    for tar in $1; do
        [ -f "$tar" ] || die "$tar is missing on $(hostname)"
        ctr -n k8s.io images import "$tar" >/dev/null
    done
    have=$(ctr -n k8s.io images ls -q)
    for image in $2; do
        grep -xF "$image" >/dev/null <<<"$have" || die "$1 did not provide $image on $(hostname)"
    done
}

# A step done once per input: STAMP holds the sha256 of the TEXT it was last done with.
# `stamp_matches STAMP TEXT` succeeds when that was TEXT; `stamp_save STAMP TEXT` records TEXT
# once the step is done.
stamp_matches() { # STAMP TEXT
    [ "$(cat "$1" 2>/dev/null)" = "$(printf '%s' "$2" | sha256sum | cut -c1-64)" ]
}
stamp_save() { # STAMP TEXT
    printf '%s' "$2" | sha256sum | cut -c1-64 >"$1"
}
