#!/usr/bin/env bash
# `molecule test -s default`, one stage at a time, each timed by scripts/stage.sh:
# cleanup, syntax, converge, idempotence, verify (every test but the operations tests),
# operations (the operations and safety tests, on the same converged instance; skipped
# with MULTIDB_OPS_TESTS=0), cleanup. As with `molecule test --destroy=always`, the last
# cleanup also runs when a stage failed, so no test instance is left behind.
#
# Stage "beside": the test modules marked `beside` (each on an instance of its own: the
# upgrade test, the S3 remote state tests, TLS) run in a pytest process of their own, started
# right after the first cleanup, beside syntax, converge, idempotence, verify and operations
# (one Ansible run leaves one of the two cores idle most of the time; CI's critical path is
# this script's stages, which the beside stage ends well before), the longest first. Its output is printed when it ends; the script waits for it (and
# its own teardown) before the last cleanup, and fails when it failed.
set -euo pipefail
cd "$(dirname "$0")/.."
stage=(bash scripts/stage.sh)
ops="${MULTIDB_OPS_TESTS:-1}"
beside_pid=""
beside_log=""

finish_beside() {
	[ -n "$beside_pid" ] || return 0
	local rc=0
	wait "$beside_pid" || rc=$?
	beside_pid=""
	echo "== output of stage beside (it ran beside converge, idempotence, verify and operations):"
	cat "$beside_log"
	rm -f "$beside_log"
	return "$rc"
}

final_cleanup() {
	rc=$?
	finish_beside || rc=$((rc ? rc : 1))
	"${stage[@]}" cleanup molecule cleanup -s default || rc=$((rc ? rc : 1))
	exit "$rc"
}

"${stage[@]}" cleanup molecule cleanup -s default
trap final_cleanup EXIT
beside_log="$(mktemp)"
# Ports for the tests' own instances come from the OS, each process in a range of its own.
MULTIDB_TEST_PORT_RANGE=26400-32767 MULTIDB_BESIDE_TESTS=only MULTIDB_OPS_TESTS=0 MULTIDB_STAGE_BESIDE=1 \
	"${stage[@]}" beside \
	pytest -p no:cacheprovider -v --durations=25 tests >"$beside_log" 2>&1 &
beside_pid=$!
"${stage[@]}" syntax molecule syntax -s default
"${stage[@]}" converge molecule converge -s default
"${stage[@]}" idempotence molecule idempotence -s default
export MULTIDB_TEST_PORT_RANGE=20000-26399
MULTIDB_BESIDE_TESTS=0 MULTIDB_OPS_TESTS=0 "${stage[@]}" verify molecule verify -s default
if [ "$ops" = 1 ]; then
	MULTIDB_BESIDE_TESTS=0 MULTIDB_OPS_TESTS=only "${stage[@]}" operations molecule verify -s default
fi
