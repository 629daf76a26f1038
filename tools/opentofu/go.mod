// Pin for ONE binary: OpenTofu (tofu). Its go.mod has replace directives, so it cannot be
// built as a dependency of this module: scripts/setup.sh downloads exactly this version
// (verified against go.sum), builds ./cmd/tofu in a writable copy of it and caches the binary.
module multidb-platform/tools/opentofu

go 1.24

require github.com/opentofu/opentofu v1.10.10
