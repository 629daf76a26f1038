#!/usr/bin/env bash
# Entrypoint of the postgres stand-in image. Honours the contract of the
# official postgres image's docker-entrypoint.sh:
#   POSTGRES_PASSWORD / POSTGRES_PASSWORD_FILE  superuser password (required
#       for a new cluster unless POSTGRES_HOST_AUTH_METHOD=trust)
#   POSTGRES_USER (default postgres)   superuser created by initdb
#   POSTGRES_DB   (default $POSTGRES_USER)
#   POSTGRES_INITDB_ARGS, POSTGRES_INITDB_WALDIR, POSTGRES_HOST_AUTH_METHOD
#   (each *_FILE variant too), PGDATA
#   /docker-entrypoint-initdb.d/*.sh|*.sql|*.sql.gz|*.sql.xz|*.sql.zst
#       run once, in order, right after initdb
# A flag as first argument means "postgres <flags>". When started as root the
# data directory is chowned and the script re-runs itself as user postgres.
set -Eeo pipefail

# usage: env_or_file VAR [DEFAULT]: VAR may be given as VAR or as VAR_FILE
env_or_file() {
	local var="$1" def="${2:-}" file_var="${1}_FILE" val
	if [ -n "${!var:-}" ] && [ -n "${!file_var:-}" ]; then
		printf >&2 'error: both %s and %s are set (they are exclusive)\n' "$var" "$file_var"
		exit 1
	fi
	val="$def"
	if [ -n "${!var:-}" ]; then
		val="${!var}"
	elif [ -n "${!file_var:-}" ]; then
		val="$(<"${!file_var}")"
	fi
	export "$var"="$val"
	unset "$file_var"
}

load_env() {
	env_or_file POSTGRES_PASSWORD
	env_or_file POSTGRES_USER postgres
	env_or_file POSTGRES_DB "$POSTGRES_USER"
	env_or_file POSTGRES_INITDB_ARGS
	: "${POSTGRES_HOST_AUTH_METHOD:=}"
	: "${PGDATA:=/var/lib/postgresql/data}"
	export PGDATA
	CLUSTER_EXISTS=
	if [ -s "$PGDATA/PG_VERSION" ]; then
		CLUSTER_EXISTS=1
	fi
}

prepare_dirs() {
	mkdir -p "$PGDATA"
	chmod 0700 "$PGDATA" || :
	mkdir -p /var/run/postgresql || :
	chmod 3775 /var/run/postgresql || :
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		mkdir -p "$POSTGRES_INITDB_WALDIR"
		if [ "$(id -u)" = 0 ]; then
			find "$POSTGRES_INITDB_WALDIR" \! -user postgres -exec chown postgres '{}' +
		fi
		chmod 700 "$POSTGRES_INITDB_WALDIR"
	fi
	if [ "$(id -u)" = 0 ]; then
		find "$PGDATA" \! -user postgres -exec chown postgres '{}' +
		find /var/run/postgresql \! -user postgres -exec chown postgres '{}' +
	fi
}

check_env_for_init() {
	if [ -z "$POSTGRES_PASSWORD" ] && [ "$POSTGRES_HOST_AUTH_METHOD" != trust ]; then
		cat >&2 <<-'EOE'
			Error: Database is uninitialized and superuser password is not specified.
			       You must specify POSTGRES_PASSWORD to a non-empty value for the
			       superuser. For example, "-e POSTGRES_PASSWORD=password" on "docker run".

			       You may also use "POSTGRES_HOST_AUTH_METHOD=trust" to allow all
			       connections without a password. This is *not* recommended.
		EOE
		exit 1
	fi
	if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
		printf >&2 '%s\n' \
			'WARNING: POSTGRES_HOST_AUTH_METHOD=trust lets anyone who can reach the port' \
			'         connect without a password, even if POSTGRES_PASSWORD is set.'
	fi
}

PWFILE=
remove_pwfile() {
	if [ -n "$PWFILE" ]; then
		rm -f "$PWFILE"
		PWFILE=
	fi
}

run_initdb() {
	if [ -n "${POSTGRES_INITDB_WALDIR:-}" ]; then
		set -- --waldir "$POSTGRES_INITDB_WALDIR" "$@"
	fi
	# The password goes to initdb in a private temporary file, never on a
	# command line. initdb rejects an empty file, hence the newline.
	trap remove_pwfile EXIT
	PWFILE="$(umask 077 && mktemp "${TMPDIR:-/tmp}/initdb-pw.XXXXXX")"
	printf '%s\n' "$POSTGRES_PASSWORD" >"$PWFILE"
	# POSTGRES_INITDB_ARGS is word-split with shell quoting, as upstream does
	eval 'initdb --username="$POSTGRES_USER" --pwfile="$PWFILE" '"$POSTGRES_INITDB_ARGS"' "$@"'
	remove_pwfile
	trap - EXIT
}

# append the rule for TCP connections from anywhere (initdb's own pg_hba.conf
# already trusts the unix socket and loopback)
setup_hba() {
	[ "${1:-}" = postgres ] && shift
	local method
	method="$(postgres -C password_encryption "$@")"
	: "${POSTGRES_HOST_AUTH_METHOD:=$method}"
	{
		printf '\n'
		if [ "$POSTGRES_HOST_AUTH_METHOD" = trust ]; then
			printf '# warning: trust is enabled for all connections\n'
		fi
		printf 'host all all all %s\n' "$POSTGRES_HOST_AUTH_METHOD"
	} >>"$PGDATA/pg_hba.conf"
}

# run SQL (stdin or psql arguments) as the superuser over the unix socket
run_sql() {
	local cmd=(psql -v ON_ERROR_STOP=1 --username "$POSTGRES_USER" --no-password --no-psqlrc)
	if [ -n "$POSTGRES_DB" ]; then
		cmd+=(--dbname "$POSTGRES_DB")
	fi
	PGHOST='' PGHOSTADDR='' "${cmd[@]}" "$@"
}

# upstream's name, for sourced init scripts that call it
docker_process_sql() { run_sql "$@"; }

start_temp_server() {
	[ "${1:-}" = postgres ] && shift
	# unix socket only, so nobody connects before initialisation is done
	set -- "$@" -c listen_addresses='' -p "${PGPORT:-5432}"
	NOTIFY_SOCKET='' PGUSER="${PGUSER:-$POSTGRES_USER}" \
		pg_ctl -D "$PGDATA" -o "$(printf '%q ' "$@")" -w start
}

stop_temp_server() {
	PGUSER="${PGUSER:-postgres}" pg_ctl -D "$PGDATA" -m fast -w stop
}

create_db() {
	local db="$POSTGRES_DB" found
	# run_sql connects to the "postgres" database for these two
	found="$(POSTGRES_DB='' run_sql --dbname postgres --set db="$db" --tuples-only <<-'EOSQL'
		SELECT 1 FROM pg_database WHERE datname = :'db' ;
	EOSQL
	)"
	if [ -z "$found" ]; then
		POSTGRES_DB='' run_sql --dbname postgres --set db="$db" <<-'EOSQL'
			CREATE DATABASE :"db" ;
		EOSQL
	fi
}

run_init_files() {
	# "psql" array kept for init scripts written for the official image
	# shellcheck disable=SC2034
	psql=(run_sql)
	local f
	for f; do
		case "$f" in
		*.sh)
			if [ -x "$f" ]; then
				printf '%s: running %s\n' "$0" "$f"
				"$f"
			else
				printf '%s: sourcing %s\n' "$0" "$f"
				# shellcheck disable=SC1090
				. "$f"
			fi
			;;
		*.sql) printf '%s: running %s\n' "$0" "$f"; run_sql -f "$f" ;;
		*.sql.gz) printf '%s: running %s\n' "$0" "$f"; gzip -dc "$f" | run_sql ;;
		*.sql.xz) printf '%s: running %s\n' "$0" "$f"; xz -dc "$f" | run_sql ;;
		*.sql.zst) printf '%s: running %s\n' "$0" "$f"; zstd -dc "$f" | run_sql ;;
		*) printf '%s: ignoring %s\n' "$0" "$f" ;;
		esac
	done
}

# options after which postgres prints something and exits
wants_help() {
	local a
	for a; do
		case "$a" in
		-'?' | --help | --describe-config | -V | --version) return 0 ;;
		esac
	done
	return 1
}

main() {
	if [ "${1:0:1}" = '-' ]; then
		set -- postgres "$@"
	fi

	if [ "$1" = postgres ] && ! wants_help "$@"; then
		load_env
		prepare_dirs
		if [ "$(id -u)" = 0 ]; then
			export HOME=/var/lib/postgresql
			exec setpriv --reuid=postgres --regid=postgres --init-groups "${BASH_SOURCE[0]}" "$@"
		fi

		if [ -z "$CLUSTER_EXISTS" ]; then
			check_env_for_init
			# fail early if the init directory is unreadable
			ls /docker-entrypoint-initdb.d/ >/dev/null
			run_initdb
			setup_hba "$@"
			# for psql, in case POSTGRES_INITDB_ARGS made local connections need a password
			export PGPASSWORD="${PGPASSWORD:-$POSTGRES_PASSWORD}"
			start_temp_server "$@"
			create_db
			shopt -s nullglob
			run_init_files /docker-entrypoint-initdb.d/*
			shopt -u nullglob
			stop_temp_server
			unset PGPASSWORD
			printf '\nPostgreSQL init process complete; ready for start up.\n\n'
		else
			printf '\nPostgreSQL Database directory appears to contain a database; Skipping initialization\n\n'
		fi
	fi

	exec "$@"
}

main "$@"
