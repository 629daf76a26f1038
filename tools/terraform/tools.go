//go:build tools

// Package tools pins Terraform 1.5.7 (the last MPL-licensed release) as the
// fallback that scripts/setup.sh builds when no terraform >= 1.5 is on PATH.
package tools

import (
	_ "github.com/hashicorp/terraform"
)
