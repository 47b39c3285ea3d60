// Command pulumi-resource-command is netlab's stand-in for Pulumi's "command"
// provider plugin, for machines that cannot download the official plugin. It
// implements command:local:Command and command:remote:Command with the wire
// contract of the @pulumi/command 1.2.1 SDK (see README.md for the subset).
package main

import (
	"fmt"
	"os"

	"github.com/pulumi/pulumi/sdk/v3/go/pulumi/provider"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Version is reported to the engine; set with -ldflags "-X main.Version=1.2.1".
var Version = "1.2.1"

const pluginName = "command"

func main() {
	err := provider.Main(pluginName, func(host *provider.HostClient) (pulumirpc.ResourceProviderServer, error) {
		return newServer(host), nil
	})
	if err != nil {
		fmt.Fprintf(os.Stderr, "pulumi-resource-%s: %v\n", pluginName, err)
		os.Exit(1)
	}
}
