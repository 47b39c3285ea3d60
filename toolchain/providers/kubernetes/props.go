package main

import (
	"fmt"
	"math"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	"github.com/pulumi/pulumi/sdk/v3/go/common/resource/plugin"
	"google.golang.org/protobuf/types/known/structpb"
)

// marshalling keeps secrets and unknowns intact so outputs carry them back.
var marshalOpts = plugin.MarshalOptions{Label: "kubernetes", KeepUnknowns: true, KeepSecrets: true, SkipNulls: true}

func unmarshal(s *structpb.Struct) (resource.PropertyMap, error) {
	if s == nil {
		return resource.PropertyMap{}, nil
	}
	return plugin.UnmarshalProperties(s, marshalOpts)
}

// unmarshalBoth decodes a request's two property maps (old and new, or state and inputs).
func unmarshalBoth(a, b *structpb.Struct) (resource.PropertyMap, resource.PropertyMap, error) {
	x, err := unmarshal(a)
	if err != nil {
		return nil, nil, err
	}
	y, err := unmarshal(b)
	return x, y, err
}

func marshal(pm resource.PropertyMap) (*structpb.Struct, error) {
	return plugin.MarshalProperties(pm, marshalOpts)
}

// unwrap strips secret and known-output wrappers around a value (not inside it).
func unwrap(v resource.PropertyValue) resource.PropertyValue {
	for {
		switch {
		case v.IsSecret():
			v = v.SecretValue().Element
		case v.IsOutput() && v.OutputValue().Known:
			v = v.OutputValue().Element
		default:
			return v
		}
	}
}

// isUnknown reports whether v is (or wraps) a value not known yet (preview).
func isUnknown(v resource.PropertyValue) bool {
	v = unwrap(v)
	return v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known)
}

// absent reports whether a property is unset (missing or null).
func absent(v resource.PropertyValue) bool { return unwrap(v).IsNull() }

// containsSecrets reports whether v is or holds a secret.
func containsSecrets(v resource.PropertyValue) bool {
	switch {
	case v.IsSecret():
		return true
	case v.IsOutput():
		return v.OutputValue().Secret || containsSecrets(v.OutputValue().Element)
	case v.IsArray():
		for _, e := range v.ArrayValue() {
			if containsSecrets(e) {
				return true
			}
		}
	case v.IsObject():
		for _, e := range v.ObjectValue() {
			if containsSecrets(e) {
				return true
			}
		}
	}
	return false
}

// plain strips secret markers at every depth.
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
			obj[k] = plain(e)
		}
		return resource.NewObjectProperty(obj)
	}
	return v
}

// makeSecret wraps v as a secret unless it already is one.
func makeSecret(v resource.PropertyValue) resource.PropertyValue {
	if v.IsSecret() || v.IsNull() {
		return v
	}
	return resource.MakeSecret(v)
}

// mirrorSecrets returns out with every value secret whose counterpart in `in` (same path) is
// secret; where the shapes differ (e.g. lists of different lengths) and `in` holds a secret,
// the whole value is made secret.
func mirrorSecrets(in, out resource.PropertyValue) resource.PropertyValue {
	if in.IsSecret() || (in.IsOutput() && in.OutputValue().Secret) {
		return makeSecret(out)
	}
	if !containsSecrets(in) {
		return out
	}
	in = unwrap(in)
	secret := out.IsSecret()
	o := unwrap(out)
	var res resource.PropertyValue
	switch {
	case in.IsObject() && o.IsObject():
		m := resource.PropertyMap{}
		for k, e := range o.ObjectValue() {
			if ie, ok := in.ObjectValue()[k]; ok {
				e = mirrorSecrets(ie, e)
			}
			m[k] = e
		}
		res = resource.NewObjectProperty(m)
	case in.IsArray() && o.IsArray() && len(in.ArrayValue()) == len(o.ArrayValue()):
		arr := make([]resource.PropertyValue, len(o.ArrayValue()))
		for i, e := range o.ArrayValue() {
			arr[i] = mirrorSecrets(in.ArrayValue()[i], e)
		}
		res = resource.NewArrayProperty(arr)
	default:
		return makeSecret(out)
	}
	if secret {
		return makeSecret(res)
	}
	return res
}

// mirrorSecretsMap applies mirrorSecrets key by key.
func mirrorSecretsMap(in, out resource.PropertyMap) resource.PropertyMap {
	res := resource.PropertyMap{}
	for k, v := range out {
		if iv, ok := in[k]; ok {
			v = mirrorSecrets(iv, v)
		}
		res[k] = v
	}
	return res
}

// toObject converts fully known properties to a JSON-like Kubernetes object (secrets stripped,
// nulls dropped, whole numbers as int64).
func toObject(pm resource.PropertyMap) (map[string]interface{}, error) {
	v, err := toJSONValue(nil, resource.NewObjectProperty(pm))
	if err != nil {
		return nil, err
	}
	return v.(map[string]interface{}), nil
}

func toJSONValue(path resource.PropertyPath, v resource.PropertyValue) (interface{}, error) {
	v = unwrap(v)
	at := func() string {
		if len(path) == 0 {
			return "(object)"
		}
		return path.String()
	}
	sub := func(k interface{}) resource.PropertyPath {
		return append(append(resource.PropertyPath{}, path...), k)
	}
	switch {
	case v.IsNull():
		return nil, nil
	case v.IsBool():
		return v.BoolValue(), nil
	case v.IsNumber():
		n := v.NumberValue()
		if n == math.Trunc(n) && math.Abs(n) < 1<<53 {
			return int64(n), nil
		}
		return n, nil
	case v.IsString():
		return v.StringValue(), nil
	case v.IsArray():
		arr := make([]interface{}, 0, len(v.ArrayValue()))
		for i, e := range v.ArrayValue() {
			j, err := toJSONValue(sub(i), e)
			if err != nil {
				return nil, err
			}
			arr = append(arr, j)
		}
		return arr, nil
	case v.IsObject():
		m := map[string]interface{}{}
		for k, e := range v.ObjectValue() {
			if unwrap(e).IsNull() && !isUnknown(e) {
				continue
			}
			j, err := toJSONValue(sub(string(k)), e)
			if err != nil {
				return nil, err
			}
			m[string(k)] = j
		}
		return m, nil
	case v.IsComputed() || v.IsOutput():
		return nil, fmt.Errorf("%s: value is not known yet", at())
	case v.IsAsset() || v.IsArchive():
		return nil, fmt.Errorf("%s: assets and archives are not valid in Kubernetes objects", at())
	case v.IsResourceReference():
		return nil, fmt.Errorf("%s: resource references are not valid in Kubernetes objects", at())
	}
	return nil, fmt.Errorf("%s: unsupported value %v", at(), v)
}

// fromObject converts a Kubernetes object to properties.
func fromObject(obj map[string]interface{}) resource.PropertyMap {
	return resource.NewPropertyMapFromMap(obj)
}

// objectAt returns the object at key, if it is one (unwrapped).
func objectAt(pm resource.PropertyMap, key string) (resource.PropertyMap, bool) {
	v := unwrap(pm[resource.PropertyKey(key)])
	if v.IsObject() {
		return v.ObjectValue(), true
	}
	return nil, false
}

// strAt returns the string at a path of object keys ("" when missing or not a known string).
func strAt(pm resource.PropertyMap, keys ...string) string {
	for i, k := range keys {
		v := unwrap(pm[resource.PropertyKey(k)])
		if i == len(keys)-1 {
			if v.IsString() {
				return v.StringValue()
			}
			return ""
		}
		if !v.IsObject() {
			return ""
		}
		pm = v.ObjectValue()
	}
	return ""
}

// valueAt returns the value at a path of object keys (null when missing).
func valueAt(pm resource.PropertyMap, keys ...string) resource.PropertyValue {
	v := resource.NewObjectProperty(pm)
	for _, k := range keys {
		if isUnknown(v) {
			return v
		}
		u := unwrap(v)
		if !u.IsObject() {
			return resource.NewNullProperty()
		}
		v = u.ObjectValue()[resource.PropertyKey(k)]
	}
	return v
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
