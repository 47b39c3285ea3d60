package main

import (
	"fmt"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// inputs is the decoded, fully known input set of a Command resource.
type inputs struct {
	Create, Update, Delete string
	Environment            map[string]string
	Dir                    string   // local only
	Interpreter            []string // local only
	Stdin                  *string  // nil when not given
	Logging                string
	AddPreviousOutputInEnv bool
	Conn                   *connection // remote only
}

// connection is remote.ConnectionArgs with the SDK defaults applied.
type connection struct {
	Host, User                               string
	Port                                     int
	Password, PrivateKey, PrivateKeyPassword string
	AgentSocketPath, HostKey                 string
	DialErrorLimit, PerDialTimeout           int
}

// decodeInputs reads a property map (inputs or state) that validate accepted.
func decodeInputs(typ string, pm resource.PropertyMap) (*inputs, error) {
	if pm.ContainsUnknowns() {
		return nil, fmt.Errorf("%s: inputs still contain unknown values", typ)
	}
	in := &inputs{
		Create:                 str(pm, "create"),
		Update:                 str(pm, "update"),
		Delete:                 str(pm, "delete"),
		Environment:            strMap(pm, "environment"),
		Dir:                    str(pm, "dir"),
		Interpreter:            strList(pm, "interpreter"),
		Logging:                str(pm, "logging"),
		AddPreviousOutputInEnv: boolean(pm, "addPreviousOutputInEnv", true),
	}
	if in.Logging == "" {
		in.Logging = "stdoutAndStderr"
	}
	if v, ok := get(pm, "stdin"); ok && v.IsString() {
		s := v.StringValue()
		in.Stdin = &s
	}
	if typ == remoteCommandType {
		v, ok := get(pm, "connection")
		if !ok || !v.IsObject() {
			return nil, fmt.Errorf("%s: missing connection", typ)
		}
		c := v.ObjectValue()
		in.Conn = &connection{
			Host:               str(c, "host"),
			Port:               num(c, "port", 22),
			User:               str(c, "user"),
			Password:           str(c, "password"),
			PrivateKey:         str(c, "privateKey"),
			PrivateKeyPassword: str(c, "privateKeyPassword"),
			AgentSocketPath:    str(c, "agentSocketPath"),
			HostKey:            str(c, "hostKey"),
			DialErrorLimit:     num(c, "dialErrorLimit", 10),
			PerDialTimeout:     num(c, "perDialTimeout", 15),
		}
		if in.Conn.User == "" {
			in.Conn.User = "root"
		}
		if in.Conn.Host == "" {
			return nil, fmt.Errorf("%s: connection.host is empty", typ)
		}
	}
	return in, nil
}

// unwrap strips secret markers around a value (not inside it).
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for v.IsSecret() {
		v = v.SecretValue().Element
	}
	return v
}

// plain strips secret markers at every depth, for comparisons.
func plain(v resource.PropertyValue) resource.PropertyValue {
	v = unwrap(v)
	switch {
	case v.IsArray():
		arr := make([]resource.PropertyValue, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			arr[i] = plain(e)
		}
		return resource.NewArrayProperty(arr)
	case v.IsObject():
		obj := resource.PropertyMap{}
		for k, e := range v.ObjectValue() {
			if !e.IsNull() {
				obj[k] = plain(e)
			}
		}
		return resource.NewObjectProperty(obj)
	}
	return v
}

// get returns the unwrapped, non-null value of key.
func get(pm resource.PropertyMap, key string) (resource.PropertyValue, bool) {
	v, ok := pm[resource.PropertyKey(key)]
	if !ok {
		return v, false
	}
	v = unwrap(v)
	return v, !v.IsNull()
}

func str(pm resource.PropertyMap, key string) string {
	if v, ok := get(pm, key); ok && v.IsString() {
		return v.StringValue()
	}
	return ""
}

func num(pm resource.PropertyMap, key string, def int) int {
	if v, ok := get(pm, key); ok && v.IsNumber() {
		return int(v.NumberValue())
	}
	return def
}

func boolean(pm resource.PropertyMap, key string, def bool) bool {
	if v, ok := get(pm, key); ok && v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func strList(pm resource.PropertyMap, key string) []string {
	v, ok := get(pm, key)
	if !ok || !v.IsArray() {
		return nil
	}
	var out []string
	for _, e := range v.ArrayValue() {
		if e = unwrap(e); e.IsString() {
			out = append(out, e.StringValue())
		}
	}
	return out
}

func strMap(pm resource.PropertyMap, key string) map[string]string {
	v, ok := get(pm, key)
	if !ok || !v.IsObject() {
		return nil
	}
	out := map[string]string{}
	for k, e := range v.ObjectValue() {
		if e = unwrap(e); e.IsString() {
			out[string(k)] = e.StringValue()
		}
	}
	return out
}
