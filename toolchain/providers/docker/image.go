package main

import (
	"context"
	"os"
	"path/filepath"
	"strings"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// remoteImage is docker:index/remoteImage:RemoteImage: `docker build` (or a local image, else
// `docker pull`) and, unless keepLocally, `docker rmi` on delete.
type remoteImage struct{ d *dockerCLI }

func (r *remoteImage) spec() fields {
	return fields{
		"name":         {typ: tString, required: true},
		"keepLocally":  {typ: tBool},
		"forceRemove":  {typ: tBool},
		"triggers":     {typ: tMap},
		"pullTriggers": {typ: tStrings},
		"build": {typ: tObject, sub: fields{
			"context":          {typ: tString, required: true},
			"dockerfile":       {typ: tString},
			"buildArgs":        {typ: tMap},
			"label":            {typ: tMap},
			"labels":           {typ: tMap},
			"target":           {typ: tString},
			"noCache":          {typ: tBool},
			"pullParent":       {typ: tBool},
			"networkMode":      {typ: tString},
			"extraHosts":       {typ: tStrings},
			"forceRemove":      {typ: tBool},
			"remove":           {typ: tBool},
			"tags":             {typ: tStrings},
			"suppressOutput":   {typ: tBool},
			"useLegacyBuilder": {typ: tBool},
		}},
	}
}

// keepLocally and forceRemove only matter on delete, so they change in place.
func (r *remoteImage) updatable() map[string]bool {
	return map[string]bool{"keepLocally": true, "forceRemove": true}
}
func (r *remoteImage) computed() []string { return []string{"imageId", "repoDigest"} }
func (r *remoteImage) autoName() bool     { return false }

func (r *remoteImage) create(ctx context.Context, in resource.PropertyMap) (string, resource.PropertyMap, error) {
	name := str(in, "name")
	if b := unwrap(in["build"]); b.IsObject() {
		if err := r.build(ctx, name, b.ObjectValue()); err != nil {
			return "", nil, err
		}
	} else if _, err := r.d.run(ctx, nil, "image", "inspect", "-f", "{{.Id}}", name); notFound(err) {
		if _, err := r.d.run(ctx, nil, "pull", name); err != nil {
			return "", nil, err
		}
	} else if err != nil {
		return "", nil, err
	}
	out := copyMap(in)
	id, err := r.describe(ctx, name, out)
	if err != nil {
		return "", nil, err
	}
	return id, out, nil
}

func (r *remoteImage) build(ctx context.Context, name string, b resource.PropertyMap) error {
	dir, err := os.MkdirTemp("", "netlab-docker-build-")
	if err != nil {
		return err
	}
	defer os.RemoveAll(dir)
	iidFile := filepath.Join(dir, "iid")
	contextDir := str(b, "context")
	args := []string{"build", "-t", name, "--iidfile", iidFile}
	for _, t := range strs(b, "tags") {
		args = append(args, "-t", t)
	}
	if f := str(b, "dockerfile"); f != "" {
		if !filepath.IsAbs(f) {
			f = filepath.Join(contextDir, f) // relative to the context, as the real provider has it
		}
		args = append(args, "-f", f)
	}
	for _, a := range smap(b, "buildArgs") {
		args = append(args, "--build-arg", a)
	}
	for _, l := range append(smap(b, "label"), smap(b, "labels")...) {
		args = append(args, "--label", l)
	}
	if t := str(b, "target"); t != "" {
		args = append(args, "--target", t)
	}
	if n := str(b, "networkMode"); n != "" {
		args = append(args, "--network", n)
	}
	for _, h := range strs(b, "extraHosts") {
		args = append(args, "--add-host", h)
	}
	for flag, key := range map[string]string{"--no-cache": "noCache", "--pull": "pullParent", "--force-rm": "forceRemove"} {
		if boolean(b, key, false) {
			args = append(args, flag)
		}
	}
	if !boolean(b, "remove", true) {
		args = append(args, "--rm=false")
	}
	_, err = r.d.run(ctx, nil, append(args, contextDir)...)
	return err
}

// describe sets imageId and repoDigest from the local image `name` and returns the resource id.
func (r *remoteImage) describe(ctx context.Context, name string, out resource.PropertyMap) (string, error) {
	var info struct {
		ID          string `json:"Id"`
		RepoDigests []string
	}
	if err := r.d.inspect(ctx, "image", name, &info); err != nil {
		return "", err
	}
	digest := ""
	repo := name
	if i := strings.LastIndex(repo, ":"); i > strings.LastIndex(repo, "/") {
		repo = repo[:i]
	}
	for _, d := range info.RepoDigests {
		if strings.HasPrefix(d, repo+"@") {
			digest = d
		}
	}
	out["imageId"] = resource.NewStringProperty(info.ID)
	out["repoDigest"] = resource.NewStringProperty(digest)
	return info.ID + name, nil
}

func (r *remoteImage) read(ctx context.Context, id string, state resource.PropertyMap) (string, resource.PropertyMap, error) {
	imageID := str(state, "imageId")
	if _, err := r.d.run(ctx, nil, "image", "inspect", "-f", "{{.Id}}", imageID); err != nil {
		if notFound(err) {
			return "", nil, nil
		}
		return "", nil, err
	}
	return id, state, nil
}

func (r *remoteImage) delete(ctx context.Context, _ string, state resource.PropertyMap) error {
	if boolean(state, "keepLocally", false) {
		return nil
	}
	imageID, name := str(state, "imageId"), str(state, "name")
	args := []string{"rmi"}
	if boolean(state, "forceRemove", false) {
		args = append(args, "-f")
	}
	_, err := r.d.run(ctx, nil, append(args, imageID)...)
	if err != nil && strings.Contains(err.Error(), "referenced in multiple repositories") {
		// Tagged more than once (build tags, or by someone else): remove only our tags.
		err = nil
		for _, ref := range append([]string{name}, strs(object(state, "build"), "tags")...) {
			if current, _ := r.d.run(ctx, nil, "image", "inspect", "-f", "{{.Id}}", ref); current == imageID {
				if _, e := r.d.run(ctx, nil, append(args, ref)...); e != nil && !notFound(e) {
					err = e
				}
			}
		}
	}
	if err != nil && !notFound(err) {
		return err
	}
	return nil
}
