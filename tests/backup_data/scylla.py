"""ScyllaDB (and its Cassandra stand-in): a keyspace of the test's own at replication factor 3
(NetworkTopologyStrategy), a table with a clustering key and blobs, and one with collections.

Every read and write is at CONSISTENCY ALL, so the fingerprint sees what every replica holds:
a row lost on one node after a restore fails the read or changes the checksum.
"""

from __future__ import annotations

import hashlib
import random
import uuid

KEYSPACE = "multidb_backup_test"
PARTITIONS = 40
ROWS = 2000          # items: 40 partitions x 50 clustering rows
EVENTS = 300
NAMESPACE = uuid.UUID("7c6f0a52-5d0b-4d1e-9c61-3a1f5b8e2d44")


def _cluster(svc, secrets):
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy

    # the nodes' published ports on the host; the peers' own addresses are not reachable from here
    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([svc["host"]]),
                               consistency_level=ConsistencyLevel.ALL, request_timeout=60)
    return Cluster(contact_points=[(svc["host"], n["port"]) for n in svc["nodes"]],
                   auth_provider=PlainTextAuthProvider(svc["username"], secrets["scylla_admin_password"]),
                   execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=4,
                   connect_timeout=10, control_connection_timeout=10)


def _item(i: int):
    rng = random.Random(i)
    return (i % PARTITIONS, i // PARTITIONS, f"item {i} " + "y" * (i % 37),
            bytes(rng.getrandbits(8) for _ in range(rng.randint(0, 600))))


def _event(i: int):
    return (uuid.uuid5(NAMESPACE, str(i)), {f"tag{t}" for t in range(i % 4)},
            {f"k{k}": i * k for k in range(i % 3)}, 1_700_000_000_000 + i * 1000)


def write(svc, secrets):
    from cassandra.concurrent import execute_concurrent_with_args

    with _cluster(svc, secrets) as cluster:
        session = cluster.connect()
        dc = session.execute("SELECT data_center FROM system.local").one().data_center
        session.execute(f"CREATE KEYSPACE IF NOT EXISTS {KEYSPACE} WITH replication = "
                        f"{{'class': 'NetworkTopologyStrategy', '{dc}': 3}}")
        session.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.items (bucket int, seq int, body text, payload blob, "
                        "PRIMARY KEY ((bucket), seq)) WITH CLUSTERING ORDER BY (seq DESC)")
        session.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.events (id uuid PRIMARY KEY, tags set<text>, "
                        "attrs map<text, int>, at timestamp)")
        insert = session.prepare(f"INSERT INTO {KEYSPACE}.items (bucket, seq, body, payload) VALUES (?, ?, ?, ?)")
        execute_concurrent_with_args(session, insert, [_item(i) for i in range(ROWS)], concurrency=32)
        insert = session.prepare(f"INSERT INTO {KEYSPACE}.events (id, tags, attrs, at) VALUES (?, ?, ?, ?)")
        execute_concurrent_with_args(session, insert, [_event(i) for i in range(EVENTS)], concurrency=32)


def fingerprint(svc, secrets):
    with _cluster(svc, secrets) as cluster:
        session = cluster.connect()
        replication = dict(session.execute(
            "SELECT replication FROM system_schema.keyspaces WHERE keyspace_name = %s", [KEYSPACE]).one().replication)
        items = sorted((r.bucket, r.seq, r.body, bytes(r.payload or b"").hex())
                       for r in session.execute(f"SELECT bucket, seq, body, payload FROM {KEYSPACE}.items"))
        # the clustering order within one partition is the table's (seq DESC), not ours
        order = [r.seq for r in session.execute(f"SELECT seq FROM {KEYSPACE}.items WHERE bucket = 7")]
        events = sorted((str(r.id), sorted(r.tags or []), sorted((r.attrs or {}).items()),
                         r.at.isoformat() if r.at else None)
                        for r in session.execute(f"SELECT id, tags, attrs, at FROM {KEYSPACE}.events"))
    return {"replication": {k: (v.rsplit(".", 1)[-1] if k == "class" else v) for k, v in replication.items()},
            "items": len(items), "items_sha256": hashlib.sha256(repr(items).encode()).hexdigest(),
            "clustering_order": order[:5],
            "events": len(events), "events_sha256": hashlib.sha256(repr(events).encode()).hexdigest()}


def destroy(svc, secrets):
    with _cluster(svc, secrets) as cluster:
        cluster.connect().execute(f"DROP KEYSPACE IF EXISTS {KEYSPACE}")


BULK = "100,000 rows of 1 KiB (random bytes) at replication factor 3"


def bulk(svc, secrets):
    """The benchmark's data volume (scripts/bench_backup.py): a table of its own in the test's
    keyspace at RF 3, 1,000 partitions of 100 rows, each row 1 KiB of random bytes (which the
    sstables' compression cannot shrink)."""
    from cassandra import ConsistencyLevel
    from cassandra.concurrent import execute_concurrent_with_args

    write(svc, secrets)  # the keyspace at RF 3
    with _cluster(svc, secrets) as cluster:
        session = cluster.connect()
        session.execute(f"CREATE TABLE IF NOT EXISTS {KEYSPACE}.bench (part int, seq int, payload blob, "
                        "PRIMARY KEY ((part), seq))")
        insert = session.prepare(f"INSERT INTO {KEYSPACE}.bench (part, seq, payload) VALUES (?, ?, ?)")
        # QUORUM, not the module's ALL: a bulk load on two cores may time out one replica's write
        insert.consistency_level = ConsistencyLevel.QUORUM
        rng = random.Random(100_000)
        for start in range(0, 100_000, 10_000):
            execute_concurrent_with_args(session, insert, [(i // 100, i % 100, rng.randbytes(1024))
                                                           for i in range(start, start + 10_000)],
                                         concurrency=64, raise_on_first_error=True)
