#!/usr/bin/env bash
# Checks that this host's kernel has what a CNI's pod traffic encryption needs, before any of
# the CNI's resources change, and says why not: IPsec needs ESP (xfrm states with proto esp;
# cilium), WireGuard needs wireguard links (calico). The probe runs in a throwaway network
# namespace, so nothing of the host is touched; the namespace is removed on every exit.
# Prints "kernel=<release> <need>=yes" or fails with the reason. Safe to re-run.
# Inputs (rendered in): NETLAB_CNI, NETLAB_NEED (esp | wireguard).
set -euo pipefail

: "${NETLAB_CNI:?}" "${NETLAB_NEED:?}"
ns=netlab-kernel-check-$$
trap 'ip netns del "$ns" 2>/dev/null || true' EXIT
ip netns add "$ns"
kernel=$(uname -r)
case $NETLAB_NEED in
    esp)
        # A transport-mode ESP state with the AEAD cilium uses (rfc4106(gcm(aes)), 128-bit ICV).
        if out=$(ip -n "$ns" xfrm state add src 192.0.2.1 dst 192.0.2.2 proto esp spi 0x100 reqid 1 mode transport \
            aead 'rfc4106(gcm(aes))' 0x0102030405060708090a0b0c0d0e0f1011121314 128 2>&1); then
            echo "kernel=$kernel esp=yes"
            exit 0
        fi
        what="IPsec (ESP with rfc4106(gcm(aes)): CONFIG_INET_ESP, CONFIG_CRYPTO_GCM)"
        ;;
    wireguard)
        if out=$(ip -n "$ns" link add netlab-wg-check type wireguard 2>&1); then
            echo "kernel=$kernel wireguard=yes"
            exit 0
        fi
        what="WireGuard (CONFIG_WIREGUARD)"
        ;;
    *) echo "cni-kernel-check: unknown NETLAB_NEED '$NETLAB_NEED' (esp | wireguard)" >&2; exit 1 ;;
esac
out=${out//$'\n'/ }
echo "netlab:cniEncryption = true: $NETLAB_CNI encrypts pod traffic with $what, which the kernel of $(hostname) ($kernel) lacks: ${out%.}. Fix: pulumi config set netlab:cniEncryption false, or run the lab on hosts whose kernel has it" >&2
exit 1
