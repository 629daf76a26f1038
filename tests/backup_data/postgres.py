"""PostgreSQL: a table with a vector column and its HNSW index, in a schema of the test's own."""

from __future__ import annotations

import hashlib
import random

ROWS = 500
DIM = 16


def _conn(svc, secrets):
    import psycopg

    return psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                           password=secrets["postgres_admin_password"], connect_timeout=10, autocommit=True)


def _vector(seed: int) -> str:
    rng = random.Random(seed)
    return "[" + ",".join(f"{rng.uniform(-1, 1):.6f}" for _ in range(DIM)) + "]"


def write(svc, secrets):
    with _conn(svc, secrets) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS multidb_backup_test")
        conn.execute(f"CREATE TABLE IF NOT EXISTS multidb_backup_test.items (id int PRIMARY KEY, body text NOT NULL, "
                     f"embedding vector({DIM}) NOT NULL)")
        conn.execute("CREATE INDEX IF NOT EXISTS items_hnsw ON multidb_backup_test.items "
                     "USING hnsw (embedding vector_l2_ops)")
        with conn.cursor() as cur:
            cur.executemany("INSERT INTO multidb_backup_test.items VALUES (%s, %s, %s::vector) ON CONFLICT DO NOTHING",
                            [(i, f"row {i} " + "x" * (i % 50), _vector(i)) for i in range(ROWS)])


def fingerprint(svc, secrets):
    with _conn(svc, secrets) as conn:
        rows = conn.execute("SELECT id, body, embedding::text FROM multidb_backup_test.items ORDER BY id").fetchall()
        conn.execute("SET enable_seqscan = off")
        plan = " ".join(r[0] for r in conn.execute(
            f"EXPLAIN SELECT id FROM multidb_backup_test.items ORDER BY embedding <-> '{_vector(10_000)}' LIMIT 5"))
        nearest = [r[0] for r in conn.execute(
            f"SELECT id FROM multidb_backup_test.items ORDER BY embedding <-> '{_vector(10_000)}' LIMIT 5")]
    return {"rows": len(rows), "sha256": hashlib.sha256(repr(rows).encode()).hexdigest(),
            "hnsw_used": "items_hnsw" in plan, "nearest": nearest}


def destroy(svc, secrets):
    with _conn(svc, secrets) as conn:
        conn.execute("DROP SCHEMA multidb_backup_test CASCADE")


# The backup benchmark's data volume (scripts/bench_backup.py), not used by the tests.
BULK = "100,000 rows with a 384-dimension vector and an HNSW index (vector_cosine_ops)"


def bulk(svc, secrets):
    with _conn(svc, secrets) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS multidb_bench")
        conn.execute("DROP TABLE IF EXISTS multidb_bench.items")
        conn.execute("CREATE TABLE multidb_bench.items (id int PRIMARY KEY, body text NOT NULL, embedding vector(384))")
        # one random vector per row: the subquery is correlated with g (so it runs for every row) and
        # its aggregate reads the inner i (an aggregate of outer columns only is the outer query's)
        conn.execute("INSERT INTO multidb_bench.items SELECT g, 'document ' || g, "
                     "(SELECT array_agg(random() + 0 * i + 0 * g)::vector(384) FROM generate_series(1, 384) AS s(i)) "
                     "FROM generate_series(1, 100000) g")
        # No parallel build: its workers share the graph through /dev/shm, which is Docker's 64 MB
        # default (DiskFull at 256 MB). The graph (100,000 x 384 floats, ~160 MB) fits in
        # maintenance_work_mem in the backend's own memory, inside the container's 512 MB.
        conn.execute("SET max_parallel_maintenance_workers = 0")
        conn.execute("SET maintenance_work_mem = '256MB'")
        conn.execute("CREATE INDEX ON multidb_bench.items USING hnsw (embedding vector_cosine_ops)")
