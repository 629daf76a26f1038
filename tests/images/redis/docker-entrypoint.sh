#!/bin/sh
# Entrypoint of the redis stand-in image, with the behaviour of the official
# redis image's docker-entrypoint.sh:
#   - a first argument that is a flag (-x, --x) or ends in .conf means
#     "redis-server <args>";
#   - started as root with redis-server: files in the working directory (/data)
#     not owned by redis are chowned to it and the script re-runs itself as
#     user redis;
#   - umask 0077 unless one other than 0022 was set.
# The official binary is built with protected-mode off by default; Debian's is
# not, so "--protected-mode no" is added unless the command line or the config
# file named on it sets protected-mode itself.
set -e

if [ "${1#-}" != "$1" ] || [ "${1%.conf}" != "$1" ]; then
	set -- redis-server "$@"
fi

if [ "$1" = 'redis-server' ] && [ "$(id -u)" = '0' ]; then
	find . \! -user redis -exec chown redis '{}' +
	HOME=/var/lib/redis
	export HOME
	exec setpriv --reuid=redis --regid=redis --init-groups "$0" "$@"
fi

um="$(umask)"
if [ "$um" = '0022' ]; then
	umask 0077
fi

if [ "$1" = 'redis-server' ]; then
	sets_pm=
	# options that redis-server only honours as its first argument
	case "${2:-}" in
	-v | --version | -h | --help | --test-memory | --check-system) sets_pm=1 ;;
	esac
	for arg in "$@"; do
		case "$arg" in
		--protected-mode) sets_pm=1 ;;
		esac
	done
	conf=
	# redis-server takes a config file (or "-" for stdin) as its first argument
	if [ $# -ge 2 ] && [ "${2#--}" = "$2" ]; then
		conf="$2"
		if [ "$conf" != - ] && [ -r "$conf" ] && grep -Eqi '^[[:space:]]*protected-mode[[:space:]]' "$conf"; then
			sets_pm=1
		fi
	fi
	if [ -z "$sets_pm" ]; then
		shift
		if [ -n "$conf" ]; then
			shift
			set -- redis-server "$conf" --protected-mode no "$@"
		else
			set -- redis-server --protected-mode no "$@"
		fi
	fi
fi

exec "$@"
