package main

import (
	"context"
	"fmt"
	"sort"
	"strconv"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// container is docker:index/container:Container: `docker create`, uploads, `docker start`;
// `docker stop` and `docker rm` on delete. Every input change but the destroy settings replaces it.
type container struct{ d *dockerCLI }

func (c *container) spec() fields {
	return fields{
		"name":         {typ: tString},
		"hostname":     {typ: tString},
		"image":        {typ: tString, required: true},
		"privileged":   {typ: tBool},
		"capabilities": {typ: tObject, sub: fields{"adds": {typ: tStrings}, "drops": {typ: tStrings}}},
		"securityOpts": {typ: tStrings}, "deviceCgroupRules": {typ: tStrings},
		"tmpfs":        {typ: tMap},
		"sysctls":      {typ: tMap},
		"cgroupnsMode": {typ: tString},
		"stopSignal":   {typ: tString},
		"stopTimeout":  {typ: tNumber},
		"labels":       {typ: tObjects, sub: labelFields},
		"envs":         {typ: tStrings}, "command": {typ: tStrings}, "entrypoints": {typ: tStrings},
		"user": {typ: tString}, "workingDir": {typ: tString}, "restart": {typ: tString},
		"init": {typ: tBool}, "start": {typ: tBool}, "networkMode": {typ: tString},
		"networksAdvanced": {typ: tObjects, sub: fields{
			"name": {typ: tString, required: true}, "ipv4Address": {typ: tString}, "aliases": {typ: tStrings},
		}},
		"ports": {typ: tObjects, sub: fields{
			"internal": {typ: tNumber, required: true}, "external": {typ: tNumber},
			"ip": {typ: tString}, "protocol": {typ: tString},
		}},
		"volumes": {typ: tObjects, sub: fields{
			"containerPath": {typ: tString}, "hostPath": {typ: tString}, "volumeName": {typ: tString},
			"readOnly": {typ: tBool},
		}},
		"uploads": {typ: tObjects, sub: fields{
			"file": {typ: tString, required: true}, "content": {typ: tString}, "contentBase64": {typ: tString},
			"source": {typ: tString}, "sourceHash": {typ: tString}, "permissions": {typ: tString},
			"executable": {typ: tBool}, "owner": {typ: tString}, "group": {typ: tString},
		}},
		"removeVolumes":       {typ: tBool},
		"mustRun":             {typ: tBool},
		"destroyGraceSeconds": {typ: tNumber},
	}
}

// These only steer the provider on delete (or on create): they change in place.
func (c *container) updatable() map[string]bool {
	return map[string]bool{"removeVolumes": true, "mustRun": true, "destroyGraceSeconds": true}
}
func (c *container) computed() []string { return []string{"ports", "networkDatas", "exitCode"} }
func (c *container) autoName() bool     { return true }

// createArgs renders the `docker create` command line.
func createArgs(in resource.PropertyMap) ([]string, error) {
	args := []string{"create", "--name", str(in, "name")}
	opt := func(flag, key string) {
		if v := str(in, key); v != "" {
			args = append(args, flag, v)
		}
	}
	opt("--hostname", "hostname")
	opt("--cgroupns", "cgroupnsMode")
	opt("--stop-signal", "stopSignal")
	opt("--user", "user")
	opt("--workdir", "workingDir")
	opt("--restart", "restart")
	if t, ok := number(in, "stopTimeout"); ok {
		args = append(args, "--stop-timeout", strconv.Itoa(t))
	}
	if boolean(in, "privileged", false) {
		args = append(args, "--privileged")
	}
	if boolean(in, "init", false) {
		args = append(args, "--init")
	}
	caps := object(in, "capabilities")
	repeat := func(flag string, values []string) {
		for _, v := range values {
			args = append(args, flag, v)
		}
	}
	repeat("--cap-add", strs(caps, "adds"))
	repeat("--cap-drop", strs(caps, "drops"))
	repeat("--security-opt", strs(in, "securityOpts"))
	repeat("--device-cgroup-rule", strs(in, "deviceCgroupRules"))
	repeat("--sysctl", smap(in, "sysctls"))
	repeat("--label", labelPairs(in, "labels"))
	repeat("--env", strs(in, "envs"))
	var tmpfs []string
	for path, v := range object(in, "tmpfs") {
		spec := string(path)
		if o := unwrap(v); o.IsString() && o.StringValue() != "" {
			spec += ":" + o.StringValue()
		}
		tmpfs = append(tmpfs, spec)
	}
	sort.Strings(tmpfs)
	repeat("--tmpfs", tmpfs)
	for _, v := range objects(in, "volumes") {
		spec, src := str(v, "containerPath"), str(v, "hostPath")
		if src == "" {
			src = str(v, "volumeName")
		}
		if spec == "" {
			return nil, fmt.Errorf("volumes: containerPath is required (fromContainer is not supported here)")
		}
		if src != "" {
			spec = src + ":" + spec
			if boolean(v, "readOnly", false) {
				spec += ":ro"
			}
		} else if boolean(v, "readOnly", false) {
			return nil, fmt.Errorf("volumes: readOnly needs hostPath or volumeName (%s)", spec)
		}
		args = append(args, "--volume", spec)
	}
	for _, p := range objects(in, "ports") {
		internal, _ := number(p, "internal")
		ext := ""
		if e, ok := number(p, "external"); ok {
			ext = strconv.Itoa(e)
		}
		args = append(args, "--publish", fmt.Sprintf("%s:%s:%d/%s", portIP(p), ext, internal, portProto(p)))
	}
	if nets := objects(in, "networksAdvanced"); len(nets) > 0 {
		args = append(args, networkFlags(nets[0])...)
	} else {
		opt("--network", "networkMode")
	}
	if eps := strs(in, "entrypoints"); len(eps) > 0 {
		args = append(args, "--entrypoint", eps[0], str(in, "image"))
		args = append(args, eps[1:]...)
	} else {
		args = append(args, str(in, "image"))
	}
	return append(args, strs(in, "command")...), nil
}

func networkFlags(n resource.PropertyMap) []string {
	flags := []string{"--network", str(n, "name")}
	if ip := str(n, "ipv4Address"); ip != "" {
		flags = append(flags, "--ip", ip)
	}
	for _, a := range strs(n, "aliases") {
		flags = append(flags, "--network-alias", a)
	}
	return flags
}

func portIP(p resource.PropertyMap) string {
	if ip := str(p, "ip"); ip != "" {
		return ip
	}
	return "0.0.0.0"
}

func portProto(p resource.PropertyMap) string {
	if proto := str(p, "protocol"); proto != "" {
		return proto
	}
	return "tcp"
}

func (c *container) create(ctx context.Context, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	args, err := createArgs(in)
	if err != nil {
		return "", nil, err
	}
	id, err := c.d.run(ctx, nil, args...)
	if err != nil {
		return "", nil, err
	}
	if err := c.setUp(ctx, id, in); err != nil {
		// Leave nothing half-made behind: the next attempt reuses the name.
		_, _ = c.d.run(context.Background(), nil, "rm", "-f", "-v", id)
		return "", nil, err
	}
	_, out, err := c.read(ctx, id, copyMap(in))
	return id, out, err
}

// setUp connects further networks, uploads files and starts the created container.
func (c *container) setUp(ctx context.Context, id string, in resource.PropertyMap) error {
	nets := objects(in, "networksAdvanced")
	for i := 1; i < len(nets); i++ {
		args := append([]string{"network", "connect"}, networkFlags(nets[i])[2:]...)
		if _, err := c.d.run(ctx, nil, append(args, str(nets[i], "name"), id)...); err != nil {
			return err
		}
	}
	for i, u := range objects(in, "uploads") {
		if err := c.upload(ctx, id, u); err != nil {
			return fmt.Errorf("uploads[%d] (%s): %w", i, str(u, "file"), err)
		}
	}
	if !boolean(in, "start", true) {
		return nil
	}
	if _, err := c.d.run(ctx, nil, "start", id); err != nil {
		return err
	}
	if boolean(in, "mustRun", true) {
		var info containerInfo
		if err := c.d.inspect(ctx, "container", id, &info); err != nil {
			return err
		}
		if !info.State.Running {
			logs, _ := c.d.run(ctx, nil, "logs", "--tail", "20", id)
			return fmt.Errorf("container %s is %s (exit code %d) right after start and mustRun is set; its last log lines:\n%s",
				str(in, "name"), info.State.Status, info.State.ExitCode, logs)
		}
	}
	return nil
}

type containerInfo struct {
	State struct {
		Running  bool
		Status   string
		ExitCode int
	}
	NetworkSettings struct {
		Ports    map[string][]struct{ HostIp, HostPort string }
		Networks map[string]struct {
			IPAddress   string
			IPPrefixLen int
			Gateway     string
			MacAddress  string
		}
	}
}

func (c *container) read(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, error) {
	var info containerInfo
	if err := c.d.inspect(ctx, "container", id, &info); err != nil {
		if notFound(err) {
			return "", nil, nil
		}
		return "", nil, err
	}
	out := copyMap(state)
	// ports: as given, with defaults and the host port Docker picked.
	var ports []resource.PropertyValue
	for _, p := range objects(state, "ports") {
		internal, _ := number(p, "internal")
		port := resource.PropertyMap{
			"internal": resource.NewNumberProperty(float64(internal)),
			"ip":       resource.NewStringProperty(portIP(p)),
			"protocol": resource.NewStringProperty(portProto(p)),
		}
		if e, ok := number(p, "external"); ok {
			port["external"] = resource.NewNumberProperty(float64(e))
		}
		for _, b := range info.NetworkSettings.Ports[fmt.Sprintf("%d/%s", internal, portProto(p))] {
			if e, err := strconv.Atoi(b.HostPort); err == nil && (b.HostIp == portIP(p) || port["external"].IsNull()) {
				port["external"] = resource.NewNumberProperty(float64(e))
			}
		}
		ports = append(ports, resource.NewObjectProperty(port))
	}
	if ports != nil {
		out["ports"] = resource.NewArrayProperty(ports)
	}
	var names []string
	for n := range info.NetworkSettings.Networks {
		names = append(names, n)
	}
	sort.Strings(names)
	var datas []resource.PropertyValue
	for _, n := range names {
		d := info.NetworkSettings.Networks[n]
		datas = append(datas, resource.NewObjectProperty(resource.PropertyMap{
			"networkName":    resource.NewStringProperty(n),
			"ipAddress":      resource.NewStringProperty(d.IPAddress),
			"ipPrefixLength": resource.NewNumberProperty(float64(d.IPPrefixLen)),
			"gateway":        resource.NewStringProperty(d.Gateway),
			"macAddress":     resource.NewStringProperty(d.MacAddress),
		}))
	}
	out["networkDatas"] = resource.NewArrayProperty(datas)
	delete(out, "exitCode")
	if !info.State.Running && info.State.Status == "exited" {
		out["exitCode"] = resource.NewNumberProperty(float64(info.State.ExitCode))
	}
	return id, out, nil
}

func (c *container) delete(ctx context.Context, id string, state resource.PropertyMap) error {
	stop := []string{"stop"}
	if t, ok := number(state, "destroyGraceSeconds"); ok {
		stop = append(stop, "--time", strconv.Itoa(t))
	}
	// `docker stop` sends the container's own stop signal (stopSignal), then SIGKILL after the grace time.
	if _, err := c.d.run(ctx, nil, append(stop, id)...); err != nil && !notFound(err) {
		return err
	}
	rm := []string{"rm", "--force"}
	if boolean(state, "removeVolumes", true) {
		rm = append(rm, "--volumes")
	}
	if _, err := c.d.run(ctx, nil, append(rm, id)...); err != nil && !notFound(err) {
		return err
	}
	return nil
}
