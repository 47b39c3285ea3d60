#!/usr/bin/env bash
# Removes what a CNI left on this host once its Kubernetes objects are gone (a CNI swap, or
# destroy), so the next CNI starts on a clean host:
#   - every CNI: its config files in /etc/cni/net.d, and the routes into the pod CIDR it
#     installed (any route inside NETLAB_POD_CIDR the kernel does not own);
#   - flannel: flannel.1, cni0 and the pod veths on it, the FLANNEL-* iptables chains and the
#     jumps into them, /run/flannel and its IPAM state (cbr0);
#   - kube-router (v2): kube-bridge and the pod veths on it, kube-dummy-if, its tunnels,
#     the KUBE-ROUTER-*, KUBE-NWPLCY-* and KUBE-POD-FW-* chains, the rules that jump into
#     them or match its ipsets or kube-bridge, its ipsets (kube-router-*, KUBE-SRC-*,
#     KUBE-DST-*), policy routing table 77, its IPAM state (mynet) and /var/lib/kube-router;
#   - weave (2.9.0, sleeve): the weave bridge and the veths on it (vethwe-bridge, the pods'
#     vethwepl*), any other vethwe* link (vethwe-pcap, vethwe-datapath, vethwedu) and a
#     datapath device, the WEAVE* chains and the rules that jump into them, match its ipsets or
#     the weave bridge, or block its control port, its ipsets (weave-*, weaver-no-masq-local),
#     /var/lib/weave (the router's database: peer name, IPAM ring) and the plugin it copied to
#     /opt/cni/bin (weave-plugin-<version>, and the weave-net and weave-ipam links to it);
#   - calico (3.31, iptables, VXLAN): vxlan.calico and the pods' cali* veths, the cali-* chains
#     (filter, nat, mangle, raw) and the rules that jump into them, its cali40* ipsets, the
#     blackhole routes of its IPAM blocks (with the other pod routes), /var/lib/calico,
#     /var/run/calico, /var/log/calico, and its plugins calico and calico-ipam;
#   - canal: calico's (without vxlan.calico) and flannel's, and the host-local IPAM state of
#     its network (k8s-pod-network);
#   - cilium (1.20, VXLAN): cilium_host/cilium_net, cilium_vxlan and the pods' lxc* veths,
#     the CILIUM_* chains and the rules into them, its cilium_* ipsets, its policy routing
#     rules, every BPF object it pinned (/sys/fs/bpf/cilium, /sys/fs/bpf/tc/globals/cilium_*:
#     removing the pins of its tcx links detaches its programs), the clsact qdisc of any
#     interface that still has a cil_* tc program, /var/run/cilium, /var/lib/cilium, and its
#     plugin cilium-cni.
# iptables rules are found in iptables-save output and removed with iptables-restore
# --noflush, so the rule text is matched exactly: jumps first, then flush, then delete chains.
# Prints one line. Safe to re-run: what is already gone is skipped.
# First, when NETLAB_IMAGES is set, the CNI's agent on this host is stopped for good: its
# images leave containerd (the pods are never pulled, so the kubelet cannot start it again)
# and its containers are killed. The cleanup then cannot race an agent that puts its
# interfaces back, whether or not its Kubernetes objects are already deleted.
# Inputs (rendered in): NETLAB_CNI (calico|canal|cilium|flannel|kube-router|weave),
# NETLAB_POD_CIDR (the cluster's pod CIDR, e.g. 10.244.0.0/16), NETLAB_IMAGES (every image
# the CNI's tarball put into containerd, space-separated).
set -euo pipefail

: "${NETLAB_CNI:?}" "${NETLAB_POD_CIDR:?}"
cni=$NETLAB_CNI
images=${NETLAB_IMAGES:-}
if [ -n "$images" ] && command -v ctr >/dev/null 2>&1; then
    for image in $images; do
        ctr -n k8s.io images rm "$image" >/dev/null 2>&1 || true
    done
    for _ in 1 2 3; do
        agents=$(ctr -n k8s.io containers ls 2>/dev/null | awk -v imgs=" $images " 'NR > 1 && index(imgs, " " $2 " ") { print $1 }')
        [ -n "$agents" ] || break
        for c in $agents; do
            ctr -n k8s.io tasks kill -s SIGKILL "$c" >/dev/null 2>&1 || true
        done
        sleep 2
        running=0
        for c in $agents; do
            if ctr -n k8s.io tasks ls 2>/dev/null | awk -v id="$c" '$1 == id && $3 == "RUNNING"' | grep . >/dev/null; then
                running=1
            fi
        done
        [ "$running" = 1 ] || break
    done
fi
[[ $NETLAB_POD_CIDR =~ ^([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})\.([0-9]{1,3})/([0-9]{1,2})$ ]] ||
    { echo "cni-host-clean: NETLAB_POD_CIDR '$NETLAB_POD_CIDR' is not a.b.c.d/n" >&2; exit 1; }
pod_base=$(( (BASH_REMATCH[1] << 24) | (BASH_REMATCH[2] << 16) | (BASH_REMATCH[3] << 8) | BASH_REMATCH[4] ))
pod_prefix=${BASH_REMATCH[5]}

# What each CNI leaves, by name. Chain, link and ipset patterns are anchored extended regexps;
# bin_files are names (or globs) in /opt/cni/bin: plugins the CNI installed itself.
conf_files=() links=() bridges=() dirs=() bin_files=() chains_re='' rules_re='' ipsets_re='' links_re=''
rule_tables=() cilium=
calico_dirs=(/var/lib/calico /var/run/calico /var/log/calico /var/run/nodeagent)
case $cni in
    flannel)
        conf_files=(10-flannel.conflist 10-flannel.conf)
        bridges=(cni0)
        links=(flannel.1 flannel-v6.1)
        chains_re='^FLANNEL-(POSTRTG|FWD)$'
        dirs=(/run/flannel /var/lib/cni/flannel /var/lib/cni/networks/cbr0)
        ;;
    kube-router)
        conf_files=(10-kuberouter.conflist 10-kuberouter.conf)
        bridges=(kube-bridge)
        links=(kube-dummy-if kube-tunnel-if)
        chains_re='^(KUBE-ROUTER-|KUBE-NWPLCY-|KUBE-POD-FW-)'
        ipsets_re='^(inet6:)?(kube-router-|KUBE-SRC-|KUBE-DST-)|^TMP-[A-Z2-7]{16}$'
        # Its pod egress MASQUERADE (matches its ipsets) and the FORWARD accepts for kube-bridge
        # and the node interface (found by their comment).
        rules_re='--match-set (inet6:)?(kube-router-|KUBE-SRC-|KUBE-DST-)|-[io] kube-bridge |--comment "allow outbound node port traffic on node interface with which node ip is associated"'
        # Its IPIP tunnels: tun-<peer IP digits> (tun<digits> when 12 digits long).
        links_re='^(tun-[0-9]{1,11}|tun[0-9]{12})$'
        dirs=(/var/lib/kube-router /var/lib/cni/networks/mynet)
        # Its policy routing table 77, which `ip rule` may show by its name.
        rule_tables=("77=kube-router")
        ;;
    weave)
        conf_files=(10-weave.conflist 10-weave.conf)
        bridges=(weave)
        links=(datapath)
        links_re='^vethwe'
        chains_re='^WEAVE(-|$)'
        ipsets_re='^weaver?-'
        # FORWARD's accepts and drops for the weave bridge, its NFLOG of new flows, and the
        # INPUT rule that keeps other hosts off its control port.
        rules_re='--match-set weaver?-|-[io] weave |--comment "Block non-local access to Weave Net control port"'
        dirs=(/var/lib/weave)
        bin_files=(weave-net weave-ipam 'weave-plugin-*')
        ;;
    calico)
        conf_files=(10-calico.conflist calico-kubeconfig)
        links=(vxlan.calico)
        links_re='^cali[0-9a-f]{11}$'
        chains_re='^cali-'
        ipsets_re='^cali4[06]'
        dirs=("${calico_dirs[@]}")
        bin_files=(calico calico-ipam)
        ;;
    canal)
        conf_files=(10-canal.conflist calico-kubeconfig)
        links=(flannel.1)
        links_re='^cali[0-9a-f]{11}$'
        chains_re='^(cali-|FLANNEL-(POSTRTG|FWD)$)'
        ipsets_re='^cali4[06]'
        dirs=("${calico_dirs[@]}" /run/flannel /var/lib/cni/networks/k8s-pod-network)
        bin_files=(calico calico-ipam)
        ;;
    cilium)
        conf_files=(05-cilium.conflist 05-cilium.conf)
        links=(cilium_host cilium_net cilium_vxlan cilium_geneve cilium_wg0)
        links_re='^lxc'
        chains_re='^(OLD_)?CILIUM_'
        ipsets_re='^cilium_'
        # The policy routing of its proxy and IPsec (tables 2004, 2005, 200).
        rule_tables=(2004 2005 200)
        dirs=(/var/run/cilium /var/lib/cilium /sys/fs/bpf/cilium)
        bin_files=(cilium-cni)
        cilium=1
        ;;
    *) echo "cni-host-clean: unknown NETLAB_CNI '$cni'" >&2; exit 1 ;;
esac

removed=()   # "what: names" items for the summary line
note() { # WHAT NAME...
    local what=$1
    shift
    [ "$#" -gt 0 ] && removed+=("$what: $*")
    return 0
}

# 0. The plugin binaries the CNI put in /opt/cni/bin itself (the standard plugins are netlab's
#    and stay), first: a pod torn down while this runs (the probes go at the same time) must
#    not run the old plugin, which would make its state folder again (cilium-cni its log in
#    /var/run/cilium).
#    A plugin already running goes too: cilium-cni, asked to tear a pod down while its agent
#    is gone, retries for a while and then writes its delete queue and log there.
plugins_gone=()
for pattern in "${bin_files[@]}"; do
    for f in /opt/cni/bin/$pattern; do
        if [ -e "$f" ] || [ -L "$f" ]; then rm -f "$f"; plugins_gone+=("$f"); fi
    done
    pkill -KILL -f "^/opt/cni/bin/${pattern//\*/[^ ]*}( |\$)" 2>/dev/null || true
done

# 1. Config files (and the temporary files netlab's init containers write before renaming).
gone=()
for f in "${conf_files[@]}"; do
    if [ -e "/etc/cni/net.d/$f" ]; then rm -f "/etc/cni/net.d/$f"; gone+=("$f"); fi
done
for f in /etc/cni/net.d/*.netlab-tmp; do
    if [ -e "$f" ]; then rm -f "$f"; gone+=("${f##*/}"); fi
done
note "conf" "${gone[@]}"

# 2. Interfaces: pod veths on the CNI's bridges, the bridges, its other devices and tunnels.
link_exists() { ip link show dev "$1" >/dev/null 2>&1; }
gone=()
for br in "${bridges[@]}"; do
    link_exists "$br" || continue
    while read -r port; do
        if ip link del dev "$port" 2>/dev/null; then gone+=("$port"); fi
    done < <(ip -o link show master "$br" | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
    ip link del dev "$br"
    gone+=("$br")
done
if [ -n "$links_re" ]; then
    while read -r name; do
        if [[ $name =~ $links_re ]]; then links+=("$name"); fi
    done < <(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
fi
for l in "${links[@]}"; do
    # (Deleting one end of a veth pair deletes the other, which may be further down the list.)
    if link_exists "$l" && ip link del dev "$l" 2>/dev/null; then gone+=("$l"); fi
done
note "links" "${gone[@]}"

# 3. iptables (nft and, where present, legacy; IPv4 and IPv6): rules into/of the CNI, then its chains.
rules_gone=0
chains_gone=()
clean_tables() { # CMD (iptables | ip6tables | iptables-legacy | ip6tables-legacy)
    local cmd=$1 table save script tables=(filter nat mangle raw)
    if ! command -v "$cmd-save" >/dev/null 2>&1 || ! command -v "$cmd-restore" >/dev/null 2>&1; then
        return 0
    fi
    case $cmd in # legacy: only tables that exist (listing one would create it and its module)
        iptables-legacy) mapfile -t tables < <(cat /proc/net/ip_tables_names 2>/dev/null || true) ;;
        ip6tables-legacy) mapfile -t tables < <(cat /proc/net/ip6_tables_names 2>/dev/null || true) ;;
    esac
    for table in "${tables[@]}"; do
        save=$("$cmd-save" -t "$table" 2>/dev/null) || continue
        script=$(printf '%s\n' "$save" | awk -v cre="$chains_re" -v rre="$rules_re" '
            /^:/ { name = substr($1, 2); if (name ~ cre) chains[++n] = name; next }
            /^-A / {
                if ($2 ~ cre) next   # a rule inside a chain of the CNI goes with the flush
                ours = (rre != "" && $0 ~ rre)
                for (i = 3; i < NF; i++) if (($i == "-j" || $i == "-g") && $(i + 1) ~ cre) ours = 1
                if (ours) { sub(/^-A /, "-D "); print }
            }
            END { for (i = 1; i <= n; i++) print "-F " chains[i]; for (i = 1; i <= n; i++) print "-X " chains[i] }')
        [ -n "$script" ] || continue
        printf '*%s\n%s\nCOMMIT\n' "$table" "$script" | "$cmd-restore" --noflush
        rules_gone=$((rules_gone + $(grep -c '^-D ' <<<"$script" || true)))
        while read -r chain; do chains_gone+=("$table/$chain"); done < <(sed -n 's/^-X //p' <<<"$script")
    done
}
if [ -n "$chains_re" ]; then
    for cmd in iptables ip6tables iptables-legacy ip6tables-legacy; do
        clean_tables "$cmd"
    done
fi
[ "$rules_gone" -eq 0 ] || removed+=("iptables rules: $rules_gone")
note "chains" "${chains_gone[@]}"

# 4. ipsets, now that no rule matches them.
gone=()
if [ -n "$ipsets_re" ]; then
    if command -v ipset >/dev/null 2>&1; then
        # (weave-npc's set names hold characters such as * and ?: read, never word-split.)
        # A list:set goes first: the sets in it cannot be destroyed while it holds them.
        mapfile -t sets < <(ipset list -n 2>/dev/null | grep -E "$ipsets_re" || true)
        for set in "${sets[@]}"; do
            if [ "$(ipset list -t "$set" 2>/dev/null | awk '$1 == "Type:" { print $2 }')" = "list:set" ]; then
                ipset flush "$set"
            fi
        done
        for set in "${sets[@]}"; do
            ipset destroy "$set"
            gone+=("$set")
        done
    else
        echo "cni-host-clean: no ipset command on $(hostname): $cni's ipsets (if any) are left" >&2
    fi
fi
note "ipsets" "${gone[@]}"

# 5. Routes into the pod CIDR the kernel does not own (other nodes' pod subnets, blackholes),
#    and kube-router's policy routing table.
inside_pod_cidr() { # DST (a.b.c.d[/n])
    local ip=${1%/*} len=32 a b c d base
    [[ $1 == */* ]] && len=${1#*/}
    IFS=. read -r a b c d <<<"$ip"
    if [ -z "${d:-}" ] || [ "$len" -lt "$pod_prefix" ]; then
        return 1
    fi
    base=$(( (a << 24) | (b << 16) | (c << 8) | d ))
    [ $(( base >> (32 - pod_prefix) )) -eq $(( pod_base >> (32 - pod_prefix) )) ]
}
gone=()
while read -r -a route; do
    [ "${#route[@]}" -gt 0 ] || continue
    dst=${route[0]}
    case $dst in unicast|blackhole|unreachable|prohibit|throw) dst=${route[1]} ;; esac
    [[ " ${route[*]} " == *" proto kernel "* ]] && continue
    inside_pod_cidr "$dst" || continue
    spec=()
    for w in "${route[@]}"; do
        case $w in linkdown|dead|offload|trap|notify|pervasive|rt_offload|rt_trap|rt_offload_failed) ;; *) spec+=("$w") ;; esac
    done
    if ip -4 route del "${spec[@]}" 2>/dev/null; then gone+=("$dst"); fi
done < <(ip -4 route show table main)
# The policy routing tables of the CNI (given by number or by name): the rules into them too.
for table in "${rule_tables[@]}"; do
    name=${table#*=}
    table=${table%%=*}
    while read -r pref; do
        ip -4 rule del pref "$pref" && gone+=("rule $pref")
    done < <(ip -4 rule show | awk -v t="$table" -v n="$name" '$NF == t || $NF == n { sub(/:$/, "", $1); print $1 }')
    if [ -n "$(ip -4 route show table "$table" 2>/dev/null)" ]; then
        ip -4 route flush table "$table"
        gone+=("table $table")
    fi
done
note "routes" "${gone[@]}"

# 6. cilium: the tc programs still attached (a clsact qdisc with a cil_* filter), and the
#    BPF objects it pinned outside /sys/fs/bpf/cilium (removed with the directories below).
if [ -n "$cilium" ]; then
    gone=()
    while read -r dev; do
        if tc filter show dev "$dev" ingress 2>/dev/null | grep -q 'cil_' || tc filter show dev "$dev" egress 2>/dev/null | grep -q 'cil_'; then
            tc qdisc del dev "$dev" clsact 2>/dev/null && gone+=("$dev")
        fi
    done < <(ip -o link show | awk -F': ' '{ sub(/@.*/, "", $2); print $2 }')
    note "tc" "${gone[@]}"
    gone=()
    for f in /sys/fs/bpf/tc/globals/cilium_*; do
        if [ -e "$f" ]; then rm -f "$f"; gone+=("${f##*/}"); fi
    done
    note "bpf maps" "${gone[@]}"
fi

# 7. State directories (host-local IPAM, the agent's run/state files).
gone=("${plugins_gone[@]}")
for d in "${dirs[@]}"; do
    if [ -e "$d" ]; then rm -rf "$d"; gone+=("$d"); fi
done
note "paths" "${gone[@]}"

if [ "${#removed[@]}" -eq 0 ]; then
    echo "$(hostname): nothing of $cni left to remove"
else
    summary=$(printf '%s; ' "${removed[@]}")
    echo "$(hostname): removed $cni leftovers: ${summary%; }"
fi
