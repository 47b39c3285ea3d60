package main

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// Property types of the supported subset of the wire contract.
const (
	tString  = "string"
	tBool    = "boolean"
	tNumber  = "number"
	tStrings = "list of strings"
	tMap     = "map of strings"
	tObject  = "object"
	tObjects = "list of objects"
)

// field describes one supported input property.
type field struct {
	typ      string
	required bool
	sub      fields // for tObject and tObjects
}

type fields map[string]field

func (fs fields) names() string {
	var ns []string
	for n := range fs {
		ns = append(ns, n)
	}
	sort.Strings(ns)
	return strings.Join(ns, ", ")
}

// unwrap strips secret and known-output wrappers.
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

// unknown reports whether v is (or wraps) a value not known yet (preview).
func unknown(v resource.PropertyValue) bool {
	v = unwrap(v)
	return v.IsComputed() || (v.IsOutput() && !v.OutputValue().Known)
}

// absent reports whether the property is unset (missing or null).
func absent(v resource.PropertyValue) bool { return unwrap(v).IsNull() }

// validate checks props against the supported subset and returns one message per problem.
func validate(path string, props resource.PropertyMap, spec fields) []string {
	var errs []string
	for k, v := range props {
		key := string(k)
		if strings.HasPrefix(key, "__") || absent(v) {
			continue
		}
		f, ok := spec[key]
		if !ok {
			errs = append(errs, fmt.Sprintf("%s%s: not supported by netlab's stand-in docker provider (supported here: %s)",
				path, key, spec.names()))
			continue
		}
		errs = append(errs, validateValue(path+key, v, f)...)
	}
	for key, f := range spec {
		if f.required && absent(props[resource.PropertyKey(key)]) {
			errs = append(errs, fmt.Sprintf("%s%s: required", path, key))
		}
	}
	sort.Strings(errs)
	return errs
}

func validateValue(p string, v resource.PropertyValue, f field) []string {
	if unknown(v) {
		return nil
	}
	v = unwrap(v)
	bad := []string{fmt.Sprintf("%s: expected a %s", p, f.typ)}
	switch f.typ {
	case tString:
		if !v.IsString() {
			return bad
		}
	case tBool:
		if !v.IsBool() {
			return bad
		}
	case tNumber:
		if !v.IsNumber() {
			return bad
		}
	case tStrings, tMap, tObjects:
		var elems []resource.PropertyValue
		var names []string
		if f.typ == tMap {
			if !v.IsObject() {
				return bad
			}
			for k, e := range v.ObjectValue() {
				elems, names = append(elems, e), append(names, fmt.Sprintf("%s[%q]", p, string(k)))
			}
		} else {
			if !v.IsArray() {
				return bad
			}
			for i, e := range v.ArrayValue() {
				elems, names = append(elems, e), append(names, fmt.Sprintf("%s[%d]", p, i))
			}
		}
		var errs []string
		for i, e := range elems {
			switch {
			case unknown(e):
			case f.typ == tObjects:
				errs = append(errs, validateValue(names[i], e, field{typ: tObject, sub: f.sub})...)
			case !unwrap(e).IsString():
				errs = append(errs, names[i]+": expected a string")
			}
		}
		return errs
	case tObject:
		if !v.IsObject() {
			return bad
		}
		return validate(p+".", v.ObjectValue(), f.sub)
	}
	return nil
}

// Typed accessors: a missing, null or unknown value yields the zero value (or def).

func str(m resource.PropertyMap, key string) string {
	v := unwrap(m[resource.PropertyKey(key)])
	if v.IsString() {
		return v.StringValue()
	}
	return ""
}

func boolean(m resource.PropertyMap, key string, def bool) bool {
	v := unwrap(m[resource.PropertyKey(key)])
	if v.IsBool() {
		return v.BoolValue()
	}
	return def
}

func number(m resource.PropertyMap, key string) (int, bool) {
	v := unwrap(m[resource.PropertyKey(key)])
	if v.IsNumber() {
		return int(math.Round(v.NumberValue())), true
	}
	return 0, false
}

func strs(m resource.PropertyMap, key string) []string {
	v := unwrap(m[resource.PropertyKey(key)])
	var out []string
	if v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e = unwrap(e); e.IsString() {
				out = append(out, e.StringValue())
			}
		}
	}
	return out
}

func object(m resource.PropertyMap, key string) resource.PropertyMap {
	v := unwrap(m[resource.PropertyKey(key)])
	if v.IsObject() {
		return v.ObjectValue()
	}
	return resource.PropertyMap{}
}

func objects(m resource.PropertyMap, key string) []resource.PropertyMap {
	v := unwrap(m[resource.PropertyKey(key)])
	var out []resource.PropertyMap
	if v.IsArray() {
		for _, e := range v.ArrayValue() {
			if e = unwrap(e); e.IsObject() {
				out = append(out, e.ObjectValue())
			}
		}
	}
	return out
}

// smap returns a map of strings as sorted "k=v" pairs.
func smap(m resource.PropertyMap, key string) []string {
	var out []string
	for k, v := range object(m, key) {
		if v = unwrap(v); v.IsString() {
			out = append(out, string(k)+"="+v.StringValue())
		}
	}
	sort.Strings(out)
	return out
}

// labelPairs turns [{label, value}] into sorted "label=value" pairs.
func labelPairs(m resource.PropertyMap, key string) []string {
	var out []string
	for _, l := range objects(m, key) {
		out = append(out, str(l, "label")+"="+str(l, "value"))
	}
	sort.Strings(out)
	return out
}

// equal compares two property values by content: secrets compare by their plaintext, null equals
// absent inside objects, and anything unknown is unequal.
func equal(a, b resource.PropertyValue) bool {
	if unknown(a) || unknown(b) {
		return false
	}
	a, b = unwrap(a), unwrap(b)
	switch {
	case a.IsNull() || b.IsNull():
		return a.IsNull() && b.IsNull()
	case a.IsArray():
		if !b.IsArray() || len(a.ArrayValue()) != len(b.ArrayValue()) {
			return false
		}
		for i, e := range a.ArrayValue() {
			if !equal(e, b.ArrayValue()[i]) {
				return false
			}
		}
		return true
	case a.IsObject():
		if !b.IsObject() {
			return false
		}
		am, bm := a.ObjectValue(), b.ObjectValue()
		for k := range union(am, bm) {
			if !equal(am[resource.PropertyKey(k)], bm[resource.PropertyKey(k)]) {
				return false
			}
		}
		return true
	default:
		return a.V == b.V
	}
}

// union returns the non-internal keys of both maps.
func union(a, b resource.PropertyMap) map[string]bool {
	keys := map[string]bool{}
	for _, m := range []resource.PropertyMap{a, b} {
		for k := range m {
			if !strings.HasPrefix(string(k), "__") {
				keys[string(k)] = true
			}
		}
	}
	return keys
}

// copyMap returns a shallow copy of m (values are immutable in practice).
func copyMap(m resource.PropertyMap) resource.PropertyMap {
	out := resource.PropertyMap{}
	for k, v := range m {
		out[k] = v
	}
	return out
}
