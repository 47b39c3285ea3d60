// netlab's stand-in for flannel's pkg/backend/udp/udp_network_amd64.go. commands/toolchain.sh
// flannel builds flanneld from a copy of flannel's module in which this file replaces that
// one (and the C proxy's files are dropped): upstream's UDP data path on amd64 is a C proxy
// (cgo), and netlab builds flanneld static with CGO_ENABLED=0. Choosing the "udp" backend
// then fails with a clear error, as upstream does on architectures without the proxy;
// vxlan, host-gw, ipip, wireguard and ipsec are untouched.
//
// Not compiled on its own: it becomes part of package udp in that copy.

package udp

import (
	"fmt"

	"github.com/flannel-io/flannel/pkg/backend"
	"github.com/flannel-io/flannel/pkg/ip"
	"github.com/flannel-io/flannel/pkg/lease"
	"github.com/flannel-io/flannel/pkg/subnet"
)

func newNetwork(_ subnet.Manager, _ *backend.ExternalInterface, _ int, _ ip.IP4Net, _ *lease.Lease) (backend.Network, error) {
	return nil, fmt.Errorf("the UDP backend is not available in netlab's flanneld (built without cgo): use vxlan, host-gw, ipip or wireguard")
}
