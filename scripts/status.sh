#!/usr/bin/env bash
# Health report of a platform (playbooks/status.yml) as an exit code for scripts and
# monitoring: 0 healthy, 1 degraded, 2 down, 3 no platform or error. `make status`
# runs this (make itself turns every non-zero code into 2; call the script for the
# exact code). Arguments are passed to ansible-playbook (-i, -e ...).
set -uo pipefail
cd "$(dirname "$0")/.."
result=$(mktemp)
trap 'rm -f "$result"' EXIT
ansible-playbook playbooks/status.yml -e status_result_file="$result" "$@" || exit 3
status=$(cat "$result")
case "$status" in
  healthy) code=0 ;;
  degraded) code=1 ;;
  down) code=2 ;;
  *) code=3 ;;
esac
echo "status: ${status:-unknown} (exit $code)"
exit "$code"
