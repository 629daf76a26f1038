#!/usr/bin/env bash
# Time one stage of the test run:   scripts/stage.sh NAME COMMAND [ARG...]
# Print the table of the stages:    scripts/stage.sh --table
#
# Each stage appends "NAME SECONDS ok|failed" to $MULTIDB_STAGE_TIMES (when set, e.g. by
# .ci/run) and says its time; --table prints them all, so every CI log ends with the time of
# setup, images, lint, converge, idempotence, verify and operations. With it set, a stage's
# output is also kept beside that file, and --table ends with what failed in a failed stage
# (pytest's FAILED/ERROR lines, Ansible's fatal lines): the end of a long log says why.
# MULTIDB_STAGE_BESIDE=1 marks a stage that runs beside others: the table shows it but does
# not add it to the total; with MULTIDB_RUN_STARTED (epoch seconds) it also shows the wall clock.
set -uo pipefail

if [ "${1:-}" = --table ]; then
	file="${MULTIDB_STAGE_TIMES:-}"
	[ -n "$file" ] && [ -s "$file" ] || exit 0
	# A stage that ran beside others (4th field "beside") is not added to the total.
	awk -v started="${MULTIDB_RUN_STARTED:-}" -v now="$(date +%s)" '
		BEGIN { printf "\n%-14s %8s  %s\n", "stage", "seconds", "result"; total = 0 }
		$4 == "beside" { printf "%-14s %8d  %s (beside the molecule stages: not in the total)\n", $1, $2, $3; next }
		{ printf "%-14s %8d  %s\n", $1, $2, $3; total += $2 }
		END {
			printf "%-14s %8d  (%d min %02d s)\n", "total", total, total / 60, total % 60
			if (started != "") { wall = now - started; printf "%-14s %8d  (%d min %02d s)\n", "wall clock", wall, wall / 60, wall % 60 }
		}
	' "$file"
	if [ -s "${MULTIDB_FAILURES:-}" ]; then
		echo
		echo "== failed tests (pytest, all stages):"
		tail -40 "$MULTIDB_FAILURES"
	fi
	awk '$3 == "failed" { print $1 }' "$file" | sort -u | while read -r failed; do
		log="$file.$failed.log"
		[ -f "$log" ] || continue
		echo
		echo "== why stage $failed failed (from its output):"
		sed -e 's/\x1b\[[0-9;]*m//g' -e 's/^ *│ \{0,1\}//' "$log" |
			grep -E '^(FAILED|ERROR) |^fatal: |^=+ .*(failed|error).* =+$' |
			cut -c1-400 | tail -40
	done
	exit 0
fi

[ $# -ge 2 ] || { echo "usage: $0 NAME COMMAND [ARG...] | --table" >&2; exit 2; }
name="$1"
shift
start=$SECONDS
if [ -n "${MULTIDB_STAGE_TIMES:-}" ]; then
	"$@" 2>&1 | tee "$MULTIDB_STAGE_TIMES.$name.log"
	rc=${PIPESTATUS[0]}
else
	"$@"
	rc=$?
fi
took=$((SECONDS - start))
result=ok
[ "$rc" -eq 0 ] || result=failed
echo "== stage $name: ${took}s ($result)"
if [ -n "${MULTIDB_STAGE_TIMES:-}" ]; then
	echo "$name $took $result${MULTIDB_STAGE_BESIDE:+ beside}" >>"$MULTIDB_STAGE_TIMES"
fi
exit "$rc"
