#!/usr/bin/env bash
# `molecule test -s default`, one stage at a time, each timed by scripts/stage.sh:
# cleanup, syntax, converge, idempotence, verify (every test but the operations tests),
# operations (the operations and safety tests, on the same converged instance; skipped
# with MULTIDB_OPS_TESTS=0), cleanup. As with `molecule test --destroy=always`, the last
# cleanup also runs when a stage failed, so no test instance is left behind.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=(bash scripts/stage.sh)
ops="${MULTIDB_OPS_TESTS:-1}"

final_cleanup() {
	rc=$?
	"${stage[@]}" cleanup molecule cleanup -s default || rc=$((rc ? rc : 1))
	exit "$rc"
}

"${stage[@]}" cleanup molecule cleanup -s default
trap final_cleanup EXIT
"${stage[@]}" syntax molecule syntax -s default
"${stage[@]}" converge molecule converge -s default
"${stage[@]}" idempotence molecule idempotence -s default
MULTIDB_OPS_TESTS=0 "${stage[@]}" verify molecule verify -s default
if [ "$ops" = 1 ]; then
	MULTIDB_OPS_TESTS=only "${stage[@]}" operations molecule verify -s default
fi
