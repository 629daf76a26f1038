//go:build tools

// Package tools pins tflint so that scripts/setup.sh can build it from the Go
// module proxy. The terraform ruleset is bundled in tflint; no plugins are
// fetched.
package tools

import (
	_ "github.com/terraform-linters/tflint"
)
