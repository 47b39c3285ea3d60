#!/usr/bin/env bash
# The benchmark's server pod: writes the download file (BENCH_FILE_MIB MiB of random data, so
# nothing on the path can compress it), then serves it over HTTP (nginx, port 18080) and FTP
# (vsftpd, 12121, passive 30000-30009), accepts scp (sshd, 12222, the key in BENCH_AUTHORIZED_KEY)
# and runs iperf3 (15201). Stays in the foreground with iperf3; safe to restart.
set -euo pipefail

: "${BENCH_FILE_MIB:=256}" "${BENCH_AUTHORIZED_KEY:?}"
mkdir -p /srv/bench /run/sshd /var/run/vsftpd/empty /root/.ssh
if [ "$(stat -c %s /srv/bench/data.bin 2>/dev/null || echo 0)" != $((BENCH_FILE_MIB * 1048576)) ]; then
    head -c "$((BENCH_FILE_MIB * 1048576))" /dev/urandom > /srv/bench/data.bin.part
    mv -f /srv/bench/data.bin.part /srv/bench/data.bin
fi
chmod 0755 /srv/bench
chmod 0644 /srv/bench/data.bin
printf '%s\n' "$BENCH_AUTHORIZED_KEY" > /root/.ssh/authorized_keys
chmod 0600 /root/.ssh/authorized_keys
[ -f /etc/ssh/ssh_host_ed25519_key ] || ssh-keygen -q -t ed25519 -N '' -f /etc/ssh/ssh_host_ed25519_key
/usr/sbin/sshd -p 12222 -o PermitRootLogin=prohibit-password -o PasswordAuthentication=no \
    -h /etc/ssh/ssh_host_ed25519_key
nginx
vsftpd /etc/vsftpd.conf &
touch /tmp/bench-ready
exec iperf3 -s -p 15201
