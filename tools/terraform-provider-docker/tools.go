//go:build tools

// Package tools pins the kreuzwerker/docker Terraform provider so that
// scripts/setup.sh can build it from the Go module proxy (the Terraform
// registry is not reachable from the build machines).
package tools

import (
	_ "github.com/terraform-providers/terraform-provider-docker"
)
