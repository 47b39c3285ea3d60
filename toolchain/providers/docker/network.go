package main

import (
	"context"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// network is docker:index/network:Network: `docker network create` / `docker network rm`.
type network struct{ d *dockerCLI }

var labelFields = fields{"label": {typ: tString, required: true}, "value": {typ: tString, required: true}}

func (n *network) spec() fields {
	return fields{
		"name":        {typ: tString},
		"driver":      {typ: tString},
		"internal":    {typ: tBool},
		"attachable":  {typ: tBool},
		"ipv6":        {typ: tBool},
		"options":     {typ: tMap},
		"ipamDriver":  {typ: tString},
		"ipamOptions": {typ: tMap},
		"labels":      {typ: tObjects, sub: labelFields},
		"ipamConfigs": {typ: tObjects, sub: fields{
			"subnet":     {typ: tString},
			"gateway":    {typ: tString},
			"ipRange":    {typ: tString},
			"auxAddress": {typ: tMap},
		}},
	}
}

func (n *network) updatable() map[string]bool { return nil }
func (n *network) computed() []string         { return []string{"scope"} }
func (n *network) autoName() bool             { return true }

func (n *network) create(ctx context.Context, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	args := []string{"network", "create"}
	if d := str(in, "driver"); d != "" {
		args = append(args, "--driver", d)
	}
	for flag, key := range map[string]string{"--internal": "internal", "--attachable": "attachable", "--ipv6": "ipv6"} {
		if boolean(in, key, false) {
			args = append(args, flag)
		}
	}
	for _, o := range smap(in, "options") {
		args = append(args, "--opt", o)
	}
	if d := str(in, "ipamDriver"); d != "" {
		args = append(args, "--ipam-driver", d)
	}
	for _, o := range smap(in, "ipamOptions") {
		args = append(args, "--ipam-opt", o)
	}
	for _, c := range objects(in, "ipamConfigs") {
		// The CLI ties --gateway, --ip-range and --aux-address to the --subnet given before them.
		if v := str(c, "subnet"); v != "" {
			args = append(args, "--subnet", v)
		}
		if v := str(c, "gateway"); v != "" {
			args = append(args, "--gateway", v)
		}
		if v := str(c, "ipRange"); v != "" {
			args = append(args, "--ip-range", v)
		}
		for _, a := range smap(c, "auxAddress") {
			args = append(args, "--aux-address", a)
		}
	}
	for _, l := range labelPairs(in, "labels") {
		args = append(args, "--label", l)
	}
	args = append(args, str(in, "name"))
	id, err := n.d.run(ctx, nil, args...)
	if err != nil {
		return "", nil, err
	}
	_, out, err := n.read(ctx, id, in)
	if err != nil {
		return id, nil, err
	}
	return id, out, nil
}

type networkInfo struct {
	Name   string
	Driver string
	Scope  string
}

func (n *network) read(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, error) {
	var info networkInfo
	if err := n.d.inspect(ctx, "network", id, &info); err != nil {
		if notFound(err) {
			return "", nil, nil
		}
		return "", nil, err
	}
	out := copyMap(state)
	out["driver"] = resource.NewStringProperty(info.Driver)
	out["scope"] = resource.NewStringProperty(info.Scope)
	return id, out, nil
}

func (n *network) delete(ctx context.Context, id string, _ resource.PropertyMap) error {
	if _, err := n.d.run(ctx, nil, "network", "rm", id); err != nil && !notFound(err) {
		return err
	}
	return nil
}
