#!/usr/bin/env bash
# The certificates of a stack's Linkerd, made once per stack by the program (components/linkerd.ts
# runs this on the machine that runs Pulumi; Pulumi keeps its output as a secret in the stack's
# state): an ECDSA P-256 trust anchor (root.linkerd.cluster.local, 10 years) and the identity
# issuer it signs (identity.linkerd.cluster.local, 1 year: Linkerd's identity controller signs
# every proxy's certificate with it), as Linkerd's docs make them with step; and a self-signed
# serving certificate for each admission webhook (the proxy injector and the two validators),
# which is also the webhook's caBundle: made here, so that every render of the chart is the
# same (the chart would make new ones on each). The anchor's key is not kept: nothing in the lab
# signs with it again. Prints one JSON object. Inputs: NETLAB_NAMESPACE (Linkerd's namespace),
# NETLAB_WEBHOOKS (the webhooks' Service names, space-separated).
set -euo pipefail

: "${NETLAB_NAMESPACE:?}" "${NETLAB_WEBHOOKS:?}"
dir=$(mktemp -d)
trap 'rm -rf "$dir"' EXIT
cd "$dir"
# An ECDSA P-256 key: SEC1 ("EC PRIVATE KEY", as Linkerd's own tools write the issuer's), or
# PKCS#8 for the webhooks (the policy controller's server reads PKCS#8 or PKCS#1 only).
key() { # FILE [pkcs8]
    if [ "${2:-}" = pkcs8 ]; then
        openssl genpkey -algorithm EC -pkeyopt ec_paramgen_curve:P-256 -out "$1" 2>/dev/null
    else
        openssl ecparam -name prime256v1 -genkey -noout -out "$1" 2>/dev/null
    fi
}
key anchor.key
openssl req -x509 -new -key anchor.key -sha256 -days 3650 -subj "/CN=root.linkerd.cluster.local" \
    -addext "basicConstraints=critical,CA:TRUE,pathlen:1" -addext "keyUsage=critical,keyCertSign,cRLSign" -out anchor.crt
key issuer.key
openssl req -new -key issuer.key -subj "/CN=identity.linkerd.cluster.local" -out issuer.csr
printf 'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' >issuer.ext
openssl x509 -req -in issuer.csr -CA anchor.crt -CAkey anchor.key -set_serial "0x$(openssl rand -hex 16)" -days 365 -sha256 \
    -extfile issuer.ext -out issuer.crt 2>/dev/null
openssl verify -CAfile anchor.crt issuer.crt >/dev/null
webhooks='{}'
for name in $NETLAB_WEBHOOKS; do
    host=$name.$NETLAB_NAMESPACE.svc
    key "$name.key" pkcs8
    openssl req -x509 -new -key "$name.key" -sha256 -days 3650 -subj "/CN=$host" -addext "subjectAltName=DNS:$host" \
        -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,digitalSignature,keyEncipherment,keyCertSign" \
        -addext "extendedKeyUsage=serverAuth" -out "$name.crt"
    webhooks=$(jq -c --arg name "$name" --rawfile crt "$name.crt" --rawfile key "$name.key" '. + {($name): {crtPEM: $crt, keyPEM: $key}}' <<<"$webhooks")
done
jq -n --rawfile anchor anchor.crt --rawfile crt issuer.crt --rawfile key issuer.key --argjson webhooks "$webhooks" \
    '{trustAnchorsPEM: $anchor, issuerCrtPEM: $crt, issuerKeyPEM: $key, webhooks: $webhooks}'
