// Command pulumi-resource-kubernetes is netlab's stand-in for Pulumi's kubernetes provider
// plugin, for machines that cannot download the official plugin. It serves the typed API object
// resources of the @pulumi/kubernetes 4.34.2 SDK (kubernetes:<group>/<version>:<Kind>) through
// client-go's dynamic client with server-side apply; see README.md for the subset.
package main

import (
	"fmt"
	"io"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
	"k8s.io/klog/v2"
)

// Version is reported to the engine; set with -ldflags "-X main.Version=4.34.2".
var Version = "4.34.2"

const pluginName = "kubernetes"

func main() {
	// client-go logs through klog; errors reach the engine as RPC errors instead.
	klog.LogToStderr(false)
	klog.SetOutput(io.Discard)
	err := provider.Main(pluginName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newServer(host), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-%s: %v\n", pluginName, err)
		os.Exit(1)
	}
}
