package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Resource tokens, exactly as the @pulumi/command SDK registers them.
const (
	localCommandType  = "command:local:Command"
	remoteCommandType = "command:remote:Command"
)

// kind is the wire type of an input property.
type kind int

const (
	kString kind = iota
	kBool
	kNumber
	kStringList
	kStringMap
	kAnyList
	kLogging
	kConnection
)

// Inputs shared by both resources.
var commonInputs = map[string]kind{
	"create":                 kString,
	"update":                 kString,
	"delete":                 kString,
	"environment":            kStringMap,
	"stdin":                  kString,
	"triggers":               kAnyList,
	"logging":                kLogging,
	"addPreviousOutputInEnv": kBool,
}

// schemas maps a resource token to its accepted input properties.
var schemas = map[string]map[string]kind{
	localCommandType:  withInputs(commonInputs, map[string]kind{"dir": kString, "interpreter": kStringList}),
	remoteCommandType: withInputs(commonInputs, map[string]kind{"connection": kConnection}),
}

// Properties the real SDK knows but this stand-in does not implement.
var unsupportedInputs = map[string]map[string]bool{
	localCommandType:  {"archivePaths": true, "assetPaths": true},
	remoteCommandType: {},
}

// connection fields (remote.ConnectionArgs); "proxy" is rejected separately.
var connectionFields = map[string]kind{
	"host":               kString,
	"port":               kNumber,
	"user":               kString,
	"password":           kString,
	"privateKey":         kString,
	"privateKeyPassword": kString,
	"agentSocketPath":    kString,
	"dialErrorLimit":     kNumber,
	"perDialTimeout":     kNumber,
	"hostKey":            kString,
}

var loggingModes = []string{"stdout", "stderr", "stdoutAndStderr", "none"}

func withInputs(a, b map[string]kind) map[string]kind {
	out := map[string]kind{}
	for k, v := range a {
		out[k] = v
	}
	for k, v := range b {
		out[k] = v
	}
	return out
}

// checkFailure is one problem found in a resource's inputs.
type checkFailure struct{ property, reason string }

// validate checks news against the schema of typ. Unknown (computed) values
// are accepted as-is; they are checked again once known.
func validate(typ string, news resource.PropertyMap) []checkFailure {
	schema := schemas[typ]
	var fails []checkFailure
	for _, k := range sortedKeys(news) {
		v := news[resource.PropertyKey(k)]
		if strings.HasPrefix(k, "__") || v.IsNull() {
			continue
		}
		kd, ok := schema[k]
		switch {
		case unsupportedInputs[typ][k]:
			fails = append(fails, checkFailure{k, fmt.Sprintf(
				"%q is not supported by netlab's stand-in command provider", k)})
		case !ok:
			fails = append(fails, checkFailure{k, fmt.Sprintf(
				"unknown property %q for %s (accepted: %s)", k, typ, strings.Join(sortedKindKeys(schema), ", "))})
		default:
			fails = append(fails, checkValue(k, kd, v)...)
		}
	}
	if typ == remoteCommandType {
		if c, ok := news["connection"]; !ok || c.IsNull() {
			fails = append(fails, checkFailure{"connection", "missing required property \"connection\""})
		}
	}
	return fails
}

func checkValue(path string, kd kind, v resource.PropertyValue) []checkFailure {
	v = unwrap(v)
	if v.IsComputed() || v.IsNull() {
		return nil
	}
	bad := func(want string) []checkFailure {
		return []checkFailure{{path, fmt.Sprintf("%s must be %s, got %s", path, want, v.TypeString())}}
	}
	switch kd {
	case kString:
		if !v.IsString() {
			return bad("a string")
		}
	case kBool:
		if !v.IsBool() {
			return bad("a boolean")
		}
	case kNumber:
		if !v.IsNumber() || v.NumberValue() != math.Trunc(v.NumberValue()) {
			return bad("an integer")
		}
	case kLogging:
		if !v.IsString() {
			return bad("a string")
		}
		for _, m := range loggingModes {
			if v.StringValue() == m {
				return nil
			}
		}
		return []checkFailure{{path, fmt.Sprintf("%s must be one of %s, got %q",
			path, strings.Join(loggingModes, ", "), v.StringValue())}}
	case kAnyList:
		if !v.IsArray() {
			return bad("a list")
		}
	case kStringList:
		if !v.IsArray() {
			return bad("a list of strings")
		}
		var fails []checkFailure
		for i, e := range v.ArrayValue() {
			fails = append(fails, checkValue(fmt.Sprintf("%s[%d]", path, i), kString, e)...)
		}
		return fails
	case kStringMap:
		if !v.IsObject() {
			return bad("a map of strings")
		}
		var fails []checkFailure
		obj := v.ObjectValue()
		for _, k := range sortedKeys(obj) {
			fails = append(fails, checkValue(path+"."+k, kString, obj[resource.PropertyKey(k)])...)
		}
		return fails
	case kConnection:
		return checkConnection(path, v)
	}
	return nil
}

func checkConnection(path string, v resource.PropertyValue) []checkFailure {
	if !v.IsObject() {
		return []checkFailure{{path, fmt.Sprintf("%s must be an object, got %s", path, v.TypeString())}}
	}
	var fails []checkFailure
	obj := v.ObjectValue()
	for _, k := range sortedKeys(obj) {
		fv := obj[resource.PropertyKey(k)]
		if fv.IsNull() || strings.HasPrefix(k, "__") {
			continue
		}
		if k == "proxy" {
			fails = append(fails, checkFailure{path + ".proxy",
				"connection.proxy (bastion hosts) is not supported by netlab's stand-in command provider"})
			continue
		}
		kd, ok := connectionFields[k]
		if !ok {
			fails = append(fails, checkFailure{path + "." + k, fmt.Sprintf(
				"unknown connection property %q (accepted: %s)", k, strings.Join(sortedKindKeys(connectionFields), ", "))})
			continue
		}
		fails = append(fails, checkValue(path+"."+k, kd, fv)...)
	}
	if h, ok := obj["host"]; !ok || h.IsNull() {
		fails = append(fails, checkFailure{path + ".host", "missing required property \"connection.host\""})
	}
	return fails
}

func sortedKeys(pm resource.PropertyMap) []string {
	keys := make([]string, 0, len(pm))
	for k := range pm {
		keys = append(keys, string(k))
	}
	sort.Strings(keys)
	return keys
}

func sortedKindKeys(m map[string]kind) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}
