#!/bin/bash
# Entrypoint of the MongoDB stand-in image (FerretDB v1 on SQLite), with the
# behaviour of the official mongo image's docker-entrypoint.sh where the
# platform relies on it:
#   - `mongod` (the default command, or a first argument that is a flag) runs the
#     server; any other command is executed as is (e.g. `bash`);
#   - started as root: /data/db and /data/configdb are chowned to mongodb (999)
#     and the script re-runs itself as that user;
#   - MONGO_INITDB_ROOT_USERNAME + MONGO_INITDB_ROOT_PASSWORD (or
#     MONGO_INITDB_ROOT_PASSWORD_FILE, like every *_FILE variant) create the root
#     user in the `admin` database on the first start (empty /data/db), through a
#     temporary server listening on 127.0.0.1 only, and authentication is
#     enforced on every start where MONGO_INITDB_ROOT_USERNAME is set (mongod
#     --auth upstream; FerretDB --test-enable-new-auth here). The final server
#     process carries no password in its arguments or environment.
#   - mongod's --tlsMode requireTLS --tlsCertificateKeyFile <pem> (translated to
#     FerretDB's TLS listener, below).
# Not supported: other mongod options on the command line (the server is FerretDB),
# /docker-entrypoint-initdb.d scripts and MONGO_INITDB_DATABASE.
set -Eeuo pipefail

if [ "${1:0:1}" = '-' ]; then
	set -- mongod "$@"
fi

if [ "$1" != 'mongod' ]; then
	exec "$@"
fi

# mongod's TLS options, translated to FerretDB's (the only mongod options supported):
#   --tlsMode requireTLS  the one port speaks TLS only: FerretDB's TLS listener on :27017,
#                         its plaintext listener off (a plaintext client is refused)
#   --tlsMode disabled    plaintext, as without the option
#   --tlsCertificateKeyFile F  certificate + key in one PEM file (FerretDB reads both from F)
# Clients are not asked for certificates (mongod's --tlsCAFile would ask; not supported).
tls_mode=disabled tls_pem= want=
for word in "${@:2}"; do
	# `--name value` is read as `--name=value` (the value is the next word)
	if [ -n "$want" ]; then
		word="$want=$word" want=
	elif [ "$word" = --tlsMode ] || [ "$word" = --tlsCertificateKeyFile ]; then
		want="$word"
		continue
	fi
	case "$word" in
	--tlsMode=*) tls_mode="${word#*=}" ;;
	--tlsCertificateKeyFile=*) tls_pem="${word#*=}" ;;
	*)
		echo >&2 "error: the stand-in runs FerretDB, not mongod: of mongod's options only --tlsMode (requireTLS, disabled) and --tlsCertificateKeyFile are supported (got: $word)"
		exit 1
		;;
	esac
done
if [ -n "$want" ]; then
	echo >&2 "error: $want needs a value"
	exit 1
fi
case "$tls_mode" in
disabled) ;;
requireTLS) [ -n "$tls_pem" ] || { echo >&2 "error: --tlsMode requireTLS needs --tlsCertificateKeyFile"; exit 1; } ;;
*) echo >&2 "error: --tlsMode $tls_mode is not supported by the stand-in (requireTLS or disabled)"; exit 1 ;;
esac

if [ "$(id -u)" = '0' ]; then
	find /data/db /data/configdb \! -user mongodb -exec chown mongodb:mongodb '{}' +
	exec setpriv --reuid=mongodb --regid=mongodb --init-groups "$BASH_SOURCE" "$@"
fi

# usage: file_env VAR [DEFAULT]  ("VAR" or "VAR_FILE", not both), as upstream
file_env() {
	local var="$1" fileVar="${1}_FILE" def="${2:-}" val
	if [ "${!var:-}" ] && [ "${!fileVar:-}" ]; then
		echo >&2 "error: both $var and $fileVar are set (but are exclusive)"
		exit 1
	fi
	val="$def"
	if [ "${!var:-}" ]; then
		val="${!var}"
	elif [ "${!fileVar:-}" ]; then
		val="$(<"${!fileVar}")"
	fi
	export "$var"="$val"
	unset "$fileVar"
}

file_env MONGO_INITDB_ROOT_USERNAME
file_env MONGO_INITDB_ROOT_PASSWORD

if { [ -n "$MONGO_INITDB_ROOT_USERNAME" ] && [ -z "$MONGO_INITDB_ROOT_PASSWORD" ]; } \
	|| { [ -z "$MONGO_INITDB_ROOT_USERNAME" ] && [ -n "$MONGO_INITDB_ROOT_PASSWORD" ]; }; then
	echo >&2 "error: MONGO_INITDB_ROOT_USERNAME and MONGO_INITDB_ROOT_PASSWORD(_FILE) must be set together"
	exit 1
fi

auth=()
if [ -n "$MONGO_INITDB_ROOT_USERNAME" ]; then
	auth=(--test-enable-new-auth)
fi

# first start: no database file yet in /data/db
if [ -n "$MONGO_INITDB_ROOT_USERNAME" ] && ! compgen -G '/data/db/*.sqlite' >/dev/null; then
	echo "entrypoint: first start, creating root user '$MONGO_INITDB_ROOT_USERNAME' in database admin"
	FERRETDB_SETUP_DATABASE=admin \
		FERRETDB_SETUP_USERNAME="$MONGO_INITDB_ROOT_USERNAME" \
		FERRETDB_SETUP_PASSWORD="$MONGO_INITDB_ROOT_PASSWORD" \
		FERRETDB_LISTEN_ADDR=127.0.0.1:27017 \
		ferretdb "${auth[@]}" &
	pid=$!
	ready=
	for _ in $(seq 1 60); do
		if ! kill -0 "$pid" 2>/dev/null; then
			wait "$pid" || true
			echo >&2 "error: the temporary server exited during setup"
			exit 1
		fi
		# authenticated ping as the new root user (password read from the
		# environment of this script, never an argument)
		if python3 - <<'PY' 2>/dev/null; then
import os, pymongo
c = pymongo.MongoClient("127.0.0.1", 27017, username=os.environ["MONGO_INITDB_ROOT_USERNAME"],
                        password=os.environ["MONGO_INITDB_ROOT_PASSWORD"], authSource="admin",
                        serverSelectionTimeoutMS=1000)
assert c.admin.command("ping")["ok"] == 1
PY
			ready=1
			break
		fi
		sleep 1
	done
	kill -TERM "$pid"
	wait "$pid" || true
	if [ -z "$ready" ]; then
		# /data/db held no database before: remove the half-made one so that the
		# next start runs the setup again instead of enforcing auth without users
		rm -f /data/db/*.sqlite /data/db/*.sqlite-shm /data/db/*.sqlite-wal
		echo >&2 "error: root user setup did not complete (no authenticated ping within 60s)"
		exit 1
	fi
	echo "entrypoint: root user created"
fi

unset MONGO_INITDB_ROOT_PASSWORD
if [ "$tls_mode" = requireTLS ]; then
	# only now: the setup server above listens in plaintext on 127.0.0.1 (inside the container)
	export FERRETDB_LISTEN_TLS="${FERRETDB_LISTEN_ADDR:-:27017}" FERRETDB_LISTEN_ADDR= \
		FERRETDB_LISTEN_TLS_CERT_FILE="$tls_pem" FERRETDB_LISTEN_TLS_KEY_FILE="$tls_pem"
fi
exec ferretdb "${auth[@]}"
