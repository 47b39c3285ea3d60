package main

import (
	"archive/tar"
	"bytes"
	"context"
	"encoding/base64"
	"fmt"
	"os"
	"os/user"
	"path"
	"strconv"
	"strings"
	"time"

	"github.com/pulumi/pulumi/sdk/v3/go/common/resource"
)

// upload copies one uploads[] entry into the (created, not yet started) container: a one-file tar
// stream extracted at / with `docker cp --archive`, so the mode and owner in the header are kept
// and missing parent directories are created. The content never appears on a command line.
func (c *container) upload(ctx context.Context, id string, u resource.PropertyMap) error {
	file := path.Clean(str(u, "file"))
	if !path.IsAbs(file) {
		return fmt.Errorf("file must be an absolute path")
	}
	data, err := uploadContent(u)
	if err != nil {
		return err
	}
	mode := int64(0o644)
	if boolean(u, "executable", false) {
		mode = 0o744
	}
	if p := str(u, "permissions"); p != "" {
		m, err := strconv.ParseUint(p, 8, 32)
		if err != nil || m > 0o7777 {
			return fmt.Errorf("permissions %q is not an octal file mode such as 0644", p)
		}
		mode = int64(m)
	}
	uid, err := lookupID(str(u, "owner"), func(n string) (string, error) {
		usr, err := user.Lookup(n)
		if err != nil {
			return "", err
		}
		return usr.Uid, nil
	})
	if err != nil {
		return fmt.Errorf("owner: %w", err)
	}
	gid, err := lookupID(str(u, "group"), func(n string) (string, error) {
		g, err := user.LookupGroup(n)
		if err != nil {
			return "", err
		}
		return g.Gid, nil
	})
	if err != nil {
		return fmt.Errorf("group: %w", err)
	}
	var buf bytes.Buffer
	tw := tar.NewWriter(&buf)
	hdr := &tar.Header{
		Name: strings.TrimPrefix(file, "/"), Typeflag: tar.TypeReg, Mode: mode, Size: int64(len(data)),
		Uid: uid, Gid: gid, ModTime: time.Now(), Format: tar.FormatPAX,
	}
	if err := tw.WriteHeader(hdr); err != nil {
		return err
	}
	if _, err := tw.Write(data); err != nil {
		return err
	}
	if err := tw.Close(); err != nil {
		return err
	}
	_, err = c.d.run(ctx, &buf, "cp", "--archive", "-", id+":/")
	return err
}

// uploadContent returns the bytes of exactly one of content, contentBase64 and source.
func uploadContent(u resource.PropertyMap) ([]byte, error) {
	var set []string
	for _, k := range []string{"content", "contentBase64", "source"} {
		if !absent(u[resource.PropertyKey(k)]) {
			set = append(set, k)
		}
	}
	if len(set) != 1 {
		return nil, fmt.Errorf("exactly one of content, contentBase64 and source must be set (got %d)", len(set))
	}
	switch set[0] {
	case "content":
		return []byte(str(u, "content")), nil
	case "contentBase64":
		data, err := base64.StdEncoding.DecodeString(str(u, "contentBase64"))
		if err != nil {
			return nil, fmt.Errorf("contentBase64: %w", err)
		}
		return data, nil
	default:
		return os.ReadFile(str(u, "source"))
	}
}

// lookupID turns a numeric id or a name (resolved on this machine, as the real provider does) into an id; "" is root.
func lookupID(s string, byName func(string) (string, error)) (int, error) {
	if s == "" {
		return 0, nil
	}
	if n, err := strconv.Atoi(s); err == nil {
		return n, nil
	}
	idStr, err := byName(s)
	if err != nil {
		return 0, err
	}
	return strconv.Atoi(idStr)
}
