#!/usr/bin/env bash
# Time one stage of the test run:   scripts/stage.sh NAME COMMAND [ARG...]
# Print the table of the stages:    scripts/stage.sh --table
#
# Each stage appends "NAME SECONDS ok|failed" to $MULTIDB_STAGE_TIMES (when set, e.g. by
# .ci/run) and says its time; --table prints them all, so every CI log ends with the time of
# setup, images, lint, converge, idempotence, verify and operations.
set -uo pipefail

if [ "${1:-}" = --table ]; then
	file="${MULTIDB_STAGE_TIMES:-}"
	[ -n "$file" ] && [ -s "$file" ] || exit 0
	awk '
		BEGIN { printf "\n%-14s %8s  %s\n", "stage", "seconds", "result"; total = 0 }
		{ printf "%-14s %8d  %s\n", $1, $2, $3; total += $2 }
		END { printf "%-14s %8d  (%d min %02d s)\n", "total", total, total / 60, total % 60 }
	' "$file"
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARG...] | --table" >&2; exit 2; }
name="$1"
shift
start=$SECONDS
"$@"
rc=$?
took=$((SECONDS - start))
result=ok
[ "$rc" -eq 0 ] || result=failed
echo "== stage $name: ${took}s ($result)"
if [ -n "${MULTIDB_STAGE_TIMES:-}" ]; then
	echo "$name $took $result" >>"$MULTIDB_STAGE_TIMES"
fi
exit "$rc"
