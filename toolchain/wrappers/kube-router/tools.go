//go:build tools

package tools

import _ "github.com/cloudnativelabs/kube-router/cmd/kube-router"
