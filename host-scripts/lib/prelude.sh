# shellcheck shell=bash
# The prelude of every host script: lib/scripts.ts renderHostScript puts it after the
# script's inputs (right below `set -euo pipefail`), so the scripts share these helpers while
# each still runs on its own (piped to `bash -s`, or installed and run by a unit at boot).

# Writes stdin to FILE when that changes it. Status 0: FILE changed; 1: it already held that.
write_if_changed() { # FILE
    local file=$1 tmp
    tmp=$(mktemp "$file.netlab-XXXXXX")
    cat >"$tmp"
    if cmp -s "$tmp" "$file"; then
        rm -f "$tmp"
        return 1
    fi
    chmod 0644 "$tmp"
    mv -f "$tmp" "$file"
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
