package main

import (
	"fmt"
	"sort"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
	pulumirpc "github.com/pulumi/pulumi/sdk/v3/proto/go"
)

// Inputs whose change does not re-run anything: they only matter for the
// next delete or for how output is logged. Changing only these updates the
// stored state in place.
var bookkeepingInputs = map[string]bool{
	"delete":                 true,
	"logging":                true,
	"addPreviousOutputInEnv": true,
}

// plan is the outcome of comparing old state with new inputs.
type plan struct {
	changed  []string // input keys whose value differs (or may differ: unknown)
	rerun    []string // the subset that re-runs a command
	replace  bool     // rerun keys changed and there is no update command
	olds     resource.PropertyMap
	news     resource.PropertyMap
	resource string
}

// planChange follows the SDK docs: if any input other than the bookkeeping
// ones changes, the update command runs when one is given, otherwise the
// resource is replaced (which runs create for the new one and delete for the
// old one). Triggers behave like any other such input.
func planChange(typ string, olds, news resource.PropertyMap) plan {
	p := plan{olds: olds, news: news, resource: typ}
	for _, k := range sortedKindKeys(schemas[typ]) {
		key := resource.PropertyKey(k)
		if sameValue(olds[key], news[key]) {
			continue
		}
		p.changed = append(p.changed, k)
		if !bookkeepingInputs[k] {
			p.rerun = append(p.rerun, k)
		}
	}
	p.replace = len(p.rerun) > 0 && !hasUpdateCommand(news)
	return p
}

// hasUpdateCommand is true if news sets a non-empty update command, or one
// that is not known yet (assumed set, so a preview does not show a spurious
// replacement).
func hasUpdateCommand(news resource.PropertyMap) bool {
	v, ok := news["update"]
	if !ok {
		return false
	}
	v = unwrap(v)
	return v.ContainsUnknowns() || (v.IsString() && v.StringValue() != "")
}

// sameValue compares two inputs ignoring secretness; nulls equal absence and
// anything unknown counts as a change.
func sameValue(a, b resource.PropertyValue) bool {
	a, b = plain(a), plain(b)
	if a.ContainsUnknowns() || b.ContainsUnknowns() {
		return false
	}
	if a.IsNull() || b.IsNull() {
		return a.IsNull() && b.IsNull()
	}
	return a.DeepEquals(b)
}

// response renders the plan as a DiffResponse with a detailed diff.
func (p plan) response() *pulumirpc.DiffResponse {
	if len(p.changed) == 0 {
		return &pulumirpc.DiffResponse{Changes: pulumirpc.DiffResponse_DIFF_NONE, HasDetailedDiff: true}
	}
	resp := &pulumirpc.DiffResponse{
		Changes:         pulumirpc.DiffResponse_DIFF_SOME,
		Diffs:           p.changed,
		DetailedDiff:    map[string]*pulumirpc.PropertyDiff{},
		HasDetailedDiff: true,
	}
	if p.replace {
		resp.Replaces = append([]string(nil), p.rerun...)
		sort.Strings(resp.Replaces)
	}
	replacing := map[string]bool{}
	for _, k := range resp.Replaces {
		replacing[k] = true
	}
	for _, k := range p.changed {
		key := resource.PropertyKey(k)
		if k == "triggers" && elementDiffs(resp.DetailedDiff, k, p.olds[key], p.news[key], replacing[k]) {
			continue
		}
		resp.DetailedDiff[k] = propertyDiff(p.olds[key], p.news[key], replacing[k])
	}
	return resp
}

func propertyDiff(old, new resource.PropertyValue, replace bool) *pulumirpc.PropertyDiff {
	kd := pulumirpc.PropertyDiff_UPDATE
	switch {
	case unwrap(old).IsNull():
		kd = pulumirpc.PropertyDiff_ADD
	case unwrap(new).IsNull():
		kd = pulumirpc.PropertyDiff_DELETE
	}
	if replace {
		kd++ // each *_REPLACE kind directly follows its plain kind
	}
	return &pulumirpc.PropertyDiff{Kind: kd, InputDiff: true}
}

// elementDiffs reports a list per element ("triggers[0]"), as the SDK's
// replaceOnChanges: ["triggers[*]"] only matches element paths; this makes a
// trigger change replace the resource even when an update command is set,
// as with Pulumi's own provider. A missing list counts as empty. It returns
// false (caller reports the whole key) when either side is not a known list.
func elementDiffs(out map[string]*pulumirpc.PropertyDiff, k string, old, new resource.PropertyValue, replace bool) bool {
	list := func(v resource.PropertyValue) ([]resource.PropertyValue, bool) {
		v = unwrap(v)
		if v.IsNull() {
			return nil, true
		}
		if v.IsArray() {
			return v.ArrayValue(), true
		}
		return nil, false
	}
	oa, ok1 := list(old)
	na, ok2 := list(new)
	if !ok1 || !ok2 {
		return false
	}
	null, found := resource.NewNullProperty(), false
	for i := 0; i < len(oa) || i < len(na); i++ {
		o, n := null, null
		if i < len(oa) {
			o = oa[i]
		}
		if i < len(na) {
			n = na[i]
		}
		if !sameValue(o, n) {
			out[fmt.Sprintf("%s[%d]", k, i)] = propertyDiff(o, n, replace)
			found = true
		}
	}
	return found // e.g. absent vs [] differs only as a whole
}
