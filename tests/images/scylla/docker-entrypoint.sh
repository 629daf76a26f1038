#!/bin/bash
# Entrypoint of the scylla stand-in. Takes the arguments of the scylladb/scylla
# image's entrypoint (docker-entrypoint.py) and runs Apache Cassandra instead:
#
#   --seeds a,b         seed_provider seeds (hostnames are kept, so a restarted
#                       seed with a new IP is found again; waits up to 120 s
#                       until they resolve)
#   --smp N             concurrency: concurrent_reads/writes = 16*N,
#                       concurrent_compactors = N, -XX:ActiveProcessorCount=N
#   --memory M          heap = M/2 (at least 256M); M like 512M, 1G
#   --listen-address, --broadcast-address, --rpc-address, --broadcast-rpc-address
#                       as in scylla.yaml (hostnames are resolved here);
#                       listen defaults to this container's IP like Scylla's
#   --authenticator X, --authorizer Y     PasswordAuthenticator/CassandraAuthorizer
#                       (AllowAll* by default, as in Scylla)
#   --cluster-name N, --endpoint-snitch S
#   --client-encryption-options enabled=true,certificate=F,keyfile=K[,truststore=T]
#                       Scylla's string map (key=value,...; braces optional): client
#                       connections (CQL on 9042) speak TLS only, with the PEM certificate
#                       and its unencrypted PKCS#8 key (Cassandra's PEMBasedSslContextFactory;
#                       truststore, a PEM CA bundle, only matters with require_client_auth)
#   --overprovisioned, --developer-mode, --api-address, --experimental,
#   --disable-version-check, --reserve-memory   accepted and ignored (logged)
#
# Other arguments are refused. A first argument that is not an option is run
# as a command (docker run IMAGE nodetool status, IMAGE cqlsh ...).
set -Eeuo pipefail

log() { printf 'standin-entrypoint: %s\n' "$*" >&2; }

if [ $# -gt 0 ] && [ "${1#-}" = "$1" ]; then
	exec "$@"
fi

seeds="" smp=1 memory="" listen="" listen_name="" broadcast="" rpc="" broadcast_rpc=""
authenticator=AllowAllAuthenticator authorizer=AllowAllAuthorizer
cluster_name="Test Cluster" snitch=SimpleSnitch
client_tls=false client_cert="" client_key="" client_trust="" client_auth=false

while [ $# -gt 0 ]; do
	arg="$1"
	shift
	case "$arg" in
	--help | -h)
		sed -n '2,/^set -Eeuo/p' "$0" | sed -e '$d' -e 's/^# \{0,1\}//'
		exit 0
		;;
	--*=*) opt="${arg%%=*}" val="${arg#*=}" ;;
	--*)
		opt="$arg"
		[ $# -gt 0 ] || { log "option $opt needs a value"; exit 2; }
		val="$1"
		shift
		;;
	*) log "unexpected argument: $arg"; exit 2 ;;
	esac
	case "$opt" in
	--seeds) seeds="$val" ;;
	--smp) smp="$val" ;;
	--memory) memory="$val" ;;
	--listen-address) listen="$val" listen_name="$val" ;;
	--broadcast-address) broadcast="$val" ;;
	--rpc-address) rpc="$val" ;;
	--broadcast-rpc-address) broadcast_rpc="$val" ;;
	--authenticator) authenticator="$val" ;;
	--authorizer) authorizer="$val" ;;
	--cluster-name) cluster_name="$val" ;;
	--endpoint-snitch) snitch="$val" ;;
	--client-encryption-options)
		val="${val#\{}" val="${val%\}}"
		IFS=, read -r -a pairs <<<"$val"
		for pair in "${pairs[@]}"; do
			case "$pair" in
			enabled=*) client_tls="${pair#*=}" ;;
			certificate=*) client_cert="${pair#*=}" ;;
			keyfile=*) client_key="${pair#*=}" ;;
			truststore=*) client_trust="${pair#*=}" ;;
			require_client_auth=*) client_auth="${pair#*=}" ;;
			*) log "unknown client_encryption_options entry: ${pair%%=*}"; exit 2 ;;
			esac
		done
		;;
	--overprovisioned | --developer-mode | --api-address | --experimental | --disable-version-check | --reserve-memory)
		log "ignoring Scylla option $opt $val (no equivalent in the Cassandra stand-in)" ;;
	*) log "unknown option $opt"; exit 2 ;;
	esac
done

case "$smp" in '' | *[!0-9]* | 0) log "--smp must be a positive integer (got '$smp')"; exit 2 ;; esac
case "$client_tls,$client_auth" in
true,true | true,false | false,*) ;;
*) log "client_encryption_options: enabled and require_client_auth are true or false"; exit 2 ;;
esac

# --memory: Seastar syntax (512M, 1G, 1024, 750MB) -> MiB
heap_mb=256
if [ -n "$memory" ]; then
	num="${memory%%[!0-9]*}" unit="${memory#"$num"}"
	[ -n "$num" ] || { log "cannot parse --memory $memory"; exit 2; }
	case "${unit^^}" in
	'' | M | MB | MIB) mem_mb=$num ;;
	G | GB | GIB) mem_mb=$((num * 1024)) ;;
	K | KB | KIB) mem_mb=$((num / 1024)) ;;
	*) log "cannot parse --memory $memory"; exit 2 ;;
	esac
	heap_mb=$((mem_mb / 2))
	[ "$heap_mb" -ge 256 ] || heap_mb=256
fi

resolve() { # name -> first IPv4 address (IP literals pass through)
	case "$1" in
	0.0.0.0 | *[0-9].*[0-9].*[0-9].*[0-9]) printf '%s\n' "$1"; return 0 ;;
	esac
	getent ahostsv4 "$1" | awk 'NR == 1 { print $1 }'
}

my_ip="$(hostname -i | awk '{ print $1 }')"
listen="$(resolve "${listen:-$my_ip}")"
[ -n "$listen" ] || { log "cannot resolve the listen address"; exit 1; }
rpc="$(resolve "${rpc:-$listen}")"
broadcast="$(resolve "${broadcast:-$listen}")"
if [ -n "$broadcast_rpc" ]; then
	broadcast_rpc="$(resolve "$broadcast_rpc")"
elif [ "$rpc" = 0.0.0.0 ]; then
	broadcast_rpc="$broadcast"
fi
seeds="${seeds:-$listen}"

# wait until every seed resolves (the seed container may be created later)
for i in $(seq 1 120); do
	missing=""
	for s in ${seeds//,/ }; do
		[ -n "$(resolve "$s")" ] || missing="$missing $s"
	done
	[ -z "$missing" ] && break
	[ "$i" = 1 ] && log "waiting for seed(s)$missing to resolve"
	sleep 1
done
[ -z "$missing" ] || { log "seed(s)$missing do not resolve"; exit 1; }

data=/var/lib/scylla
conf=/etc/cassandra/cassandra.yaml

# First bootstrap, one node at a time (what ScyllaDB's Raft topology does by itself).
# Cassandra nodes that bootstrap concurrently can block each other: the main thread holds
# StorageService's lock for the whole bootstrap, the gossip stage of the other node waits
# for it, and its "Gossip stage has N pending tasks" grows until the deadline (seen about
# one cold formation in three on a 2-core machine). So a node that has never joined
# (no system keyspace on its volume yet) and whose name ends in a number N > 1 waits until
# the node with number N-1 (same name, N-1; the convention of clustered containers:
# node1, node2, ...) serves CQL, which Cassandra does once that node has bootstrapped.
# A node whose predecessor's name does not resolve within 30 s, or a restart of a node that
# already joined, starts without waiting. Bounded: after STANDIN_JOIN_WAIT seconds (600)
# the node starts anyway.
join_wait="${STANDIN_JOIN_WAIT:-600}"
self_name="${listen_name:-$(hostname)}"
case "$self_name" in *[0-9].*[0-9].*[0-9].*[0-9]) self_name="$(hostname)" ;; esac # an IP: use the host name
if [ ! -d "$data/data/system" ] && [[ "$self_name" =~ ^(.*[^0-9])([0-9]+)$ ]] && [ "${BASH_REMATCH[2]}" -gt 1 ]; then
	before="${BASH_REMATCH[1]}$((BASH_REMATCH[2] - 1))"
	start=$SECONDS
	log "first bootstrap: waiting until $before serves CQL (bootstraps one node at a time, at most ${join_wait}s)"
	until [ -n "$(resolve "$before")" ] && timeout 2 bash -c "exec 3<>/dev/tcp/$(resolve "$before")/9042" 2>/dev/null; do
		# Containers of one apply are created together: a predecessor gets 30 s to appear.
		if [ -z "$(resolve "$before")" ] && [ $((SECONDS - start)) -ge 30 ]; then
			log "$before does not resolve: no node before this one, starting"
			break
		fi
		if [ $((SECONDS - start)) -ge "$join_wait" ]; then
			log "$before did not serve CQL within ${join_wait}s: starting anyway"
			break
		fi
		sleep 2
	done
	log "first bootstrap: $before is up after $((SECONDS - start))s, joining"
fi
# Cassandra's RING_DELAY (30 s): a bootstrapping node sleeps that long "for pending range
# setup", once per node since they join one at a time. Gossip on one Docker network reaches
# every node within a couple of seconds (ScyllaDB's Raft topology waits for no such delay).
ring_delay_ms="${STANDIN_RING_DELAY_MS:-5000}"
concurrency=$((16 * smp))

# Client TLS: Cassandra's PEM key store is one file with the key and the certificate (chain),
# kept beside the configuration, readable by the server's user only.
client_tls_yaml=""
if [ "$client_tls" = true ]; then
	for f in "$client_cert" "$client_key" ${client_trust:+"$client_trust"}; do
		[ -r "$f" ] || { log "client_encryption_options: cannot read '$f'"; exit 2; }
	done
	grep -q -- '-----BEGIN PRIVATE KEY-----' "$client_key" \
		|| { log "client_encryption_options: keyfile must be an unencrypted PKCS#8 PEM key (BEGIN PRIVATE KEY)"; exit 2; }
	keystore=/etc/cassandra/client-keystore.pem
	(umask 077 && cat "$client_key" "$client_cert" >"$keystore")
	client_tls_yaml="client_encryption_options:
  enabled: true
  optional: false
  ssl_context_factory:
    class_name: org.apache.cassandra.security.PEMBasedSslContextFactory
  keystore: $keystore
  truststore: ${client_trust:-$client_cert}
  require_client_auth: $client_auth"
fi
cat >"$conf" <<YAML
# written by the stand-in entrypoint from the Scylla arguments
cluster_name: '$cluster_name'
num_tokens: 16
partitioner: org.apache.cassandra.dht.Murmur3Partitioner
endpoint_snitch: $snitch
seed_provider:
  - class_name: org.apache.cassandra.locator.SimpleSeedProvider
    parameters:
      - seeds: "$seeds"
listen_address: $listen
broadcast_address: $broadcast
rpc_address: $rpc
$( [ -n "$broadcast_rpc" ] && echo "broadcast_rpc_address: $broadcast_rpc" )
native_transport_port: 9042
storage_port: 7000
start_native_transport: true
authenticator: $authenticator
authorizer: $authorizer
role_manager: CassandraRoleManager
network_authorizer: AllowAllNetworkAuthorizer
data_file_directories:
  - $data/data
commitlog_directory: $data/commitlog
saved_caches_directory: $data/saved_caches
hints_directory: $data/hints
cdc_raw_directory: $data/cdc_raw
commitlog_sync: periodic
commitlog_sync_period: 10000ms
commitlog_segment_size: 8MiB
concurrent_reads: $concurrency
concurrent_writes: $concurrency
concurrent_counter_writes: $concurrency
concurrent_compactors: $smp
key_cache_size: 8MiB
file_cache_size: 32MiB
memtable_heap_space: $((heap_mb / 8))MiB
memtable_offheap_space: $((heap_mb / 8))MiB
native_transport_max_threads: $((concurrency * 2))
$client_tls_yaml
YAML

log "Cassandra $(cat /opt/cassandra/VERSION) as a Scylla stand-in: listen=$listen rpc=$rpc broadcast=$broadcast seeds=$seeds heap=${heap_mb}M smp=$smp auth=$authenticator/$authorizer client_tls=$client_tls"

# one or more words per line ("--add-exports module/package=ALL-UNNAMED")
set -f
# shellcheck disable=SC2207
jvm_flags=($(grep -v '^[[:space:]]*#' /etc/cassandra/jvm.options))
set +f
# Start-up CPU (measured on one uncontended node, start to CQL: 7.8 CPU-seconds; a cold 3-node
# formation starts the JVM three times, one node after the other, while the other services start):
# - class data sharing: the image build ran the server once and archived the classes it loaded
#   (STANDIN_CDS_DUMP, Dockerfile); mapping them instead of parsing and verifying them again
#   saves ~1.7 CPU-s a start. The JVM ignores an archive that does not match (and says so).
# - C1 only (-XX:TieredStopAtLevel=1): a stand-in serves tests, not load; C2 compiled for the
#   peak throughput nobody here asks for, ~1.5 CPU-s a start. Together 7.8 -> 4.6 CPU-s.
cds=()
if [ -n "${STANDIN_CDS_DUMP:-}" ]; then
	cds=(-XX:ArchiveClassesAtExit="$STANDIN_CDS_DUMP" -Xlog:cds=off -Xlog:cds+dynamic=info)
elif [ -r /opt/cassandra/cds/cassandra.jsa ]; then
	cds=(-XX:SharedArchiveFile=/opt/cassandra/cds/cassandra.jsa)
fi
cmd=(java -Xms"${heap_mb}M" -Xmx"${heap_mb}M" -Xss256k
	-XX:+UseG1GC -XX:+ParallelRefProcEnabled -XX:MaxTenuringThreshold=1 -XX:MaxGCPauseMillis=300
	-XX:ActiveProcessorCount="$smp" -XX:+HeapDumpOnOutOfMemoryError -XX:HeapDumpPath=/tmp
	-XX:+ExitOnOutOfMemoryError -XX:TieredStopAtLevel=1 "${cds[@]}"
	"${jvm_flags[@]}"
	-Dcassandra.config=file://"$conf"
	-Dcassandra.storagedir="$data"
	-Dcassandra.logdir=/var/log/cassandra
	-Dlogback.configurationFile=/etc/cassandra/logback.xml
	-Dcassandra.skip_wait_for_gossip_to_settle=0
	-Dcassandra.ring_delay_ms="$ring_delay_ms"
	-Dcassandra.consistent.rangemovement=false
	-Dcassandra-foreground=yes
	-cp "/opt/cassandra/lib/*"
	org.apache.cassandra.service.CassandraDaemon -f)

if [ "$(id -u)" = 0 ]; then
	mkdir -p "$data"
	find "$data" /var/log/cassandra \! -user scylla -exec chown scylla:scylla '{}' +
	chown scylla:scylla "$conf"
	[ "$client_tls" != true ] || chown scylla:scylla "$keystore"
	exec setpriv --reuid=scylla --regid=scylla --init-groups env HOME=/var/lib/scylla "${cmd[@]}"
fi
exec "${cmd[@]}"
