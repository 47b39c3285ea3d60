#!/usr/bin/env bash
# The lab's TLS certificates, made on the machine that runs Pulumi (components/lab-ca.ts runs
# this; Pulumi keeps what it prints as a secret in the stack's state):
#   NETLAB_ACTION=ca:   the stack's lab CA: an ECDSA P-256 key and its self-signed certificate
#                       (CN "netlab lab CA <NETLAB_STACK>", 10 years, CA:TRUE with pathlen 0).
#   NETLAB_ACTION=cert: a serving certificate for NETLAB_NAMES (space-separated DNS names; the
#                       first is its CN, all are its subjectAltNames; 1 year), with a new
#                       ECDSA P-256 key (PKCS#8), signed by the CA in NETLAB_CA_CRT and NETLAB_CA_KEY.
# Prints one JSON object: {crt, key} (PEM). Nothing stays on disk.
set -euo pipefail

: "${NETLAB_ACTION:?}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out key.pem 2>/dev/null
case "$NETLAB_ACTION" in
ca)
    : "${NETLAB_STACK:?}"
    openssl req -x509 -new -key key.pem -sha256 -days 3650 -subj "/O=netlab/CN=netlab lab CA $NETLAB_STACK" \
        -addext "basicConstraints=critical,CA:TRUE,pathlen:0" -addext "keyUsage=critical,keyCertSign,cRLSign" -out crt.pem
    ;;
cert)
    : "${NETLAB_NAMES:?}" "${NETLAB_CA_CRT:?}" "${NETLAB_CA_KEY:?}"
    read -r -a names <<<"$NETLAB_NAMES"
    san=$(printf 'DNS:%s,' "${names[@]}")
    printf '%s\n' "$NETLAB_CA_CRT" >ca.crt
    (umask 077 && printf '%s\n' "$NETLAB_CA_KEY" >ca.key)
    openssl req -new -key key.pem -subj "/CN=${names[0]}" -out req.csr
    printf 'basicConstraints=critical,CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=%s\n' \
        "${san%,}" >ext.cnf
    openssl x509 -req -in req.csr -CA ca.crt -CAkey ca.key -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 \
        -extfile ext.cnf -out crt.pem 2>/dev/null
    openssl verify -CAfile ca.crt crt.pem >/dev/null
    ;;
*)
    echo "lab-tls: unknown action $NETLAB_ACTION (ca, cert)" >&2
    exit 1
    ;;
esac
jq -n --rawfile crt crt.pem --rawfile key key.pem '{crt: $crt, key: $key}'
