"""Sentinel rows: write one marker into every data service, read it back later.

Driven by the `services` contract: each entry's `engine` selects a writer/reader
here. A service whose engine has no entry makes the caller fail loudly (add one
here), so a new service is never silently left out of the fault tests.

Every engine uses the service's administrative credentials (generated secrets)
and a place of its own (`multidb_test` schema/database/key prefix/table/object),
so the application's data and tests are not disturbed.
"""

from __future__ import annotations

import uuid


def _postgres_conn(svc, secrets):
    import psycopg

    return psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                           password=secrets["postgres_admin_password"], connect_timeout=10, autocommit=True)


def _postgres_write(svc, secrets, marker):
    with _postgres_conn(svc, secrets) as conn:
        conn.execute("CREATE SCHEMA IF NOT EXISTS multidb_test")
        conn.execute("CREATE TABLE IF NOT EXISTS multidb_test.sentinel (marker text PRIMARY KEY)")
        conn.execute("INSERT INTO multidb_test.sentinel (marker) VALUES (%s)", (marker,))


def _postgres_read(svc, secrets, marker):
    with _postgres_conn(svc, secrets) as conn:
        return conn.execute("SELECT count(*) FROM multidb_test.sentinel WHERE marker = %s", (marker,)).fetchone()[0] == 1


def _redis_client(svc, secrets):
    import redis

    return redis.Redis(host=svc["host"], port=svc["port"], username=svc["username"],
                       password=secrets["redis_admin_password"], socket_timeout=10)


def _redis_write(svc, secrets, marker):
    client = _redis_client(svc, secrets)
    client.set(f"multidb_test:sentinel:{marker}", marker)


def _redis_read(svc, secrets, marker):
    value = _redis_client(svc, secrets).get(f"multidb_test:sentinel:{marker}")
    return value is not None and value.decode() == marker


def _mongodb_client(svc, secrets):
    import pymongo

    return pymongo.MongoClient(host=svc["host"], port=svc["port"], directConnection=True,
                               username=svc["username"], password=secrets["mongodb_admin_password"],
                               authSource=svc.get("auth_database", "admin"), serverSelectionTimeoutMS=10000)


def _mongodb_write(svc, secrets, marker):
    with _mongodb_client(svc, secrets) as client:
        client["multidb_test"]["sentinel"].insert_one({"_id": marker}, bypass_document_validation=True)


def _mongodb_read(svc, secrets, marker):
    with _mongodb_client(svc, secrets) as client:
        return client["multidb_test"]["sentinel"].count_documents({"_id": marker}) == 1


def _scylla_session(svc, secrets):
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy

    profile = ExecutionProfile(load_balancing_policy=WhiteListRoundRobinPolicy([svc["host"]]),
                               consistency_level=ConsistencyLevel.QUORUM, request_timeout=30)
    cluster = Cluster(contact_points=[(svc["host"], n["port"]) for n in svc.get("nodes", [svc])],
                      auth_provider=PlainTextAuthProvider(svc["username"], secrets["scylla_admin_password"]),
                      execution_profiles={EXEC_PROFILE_DEFAULT: profile}, protocol_version=4, connect_timeout=10)
    return cluster, cluster.connect()


def _scylla_write(svc, secrets, marker):
    cluster, session = _scylla_session(svc, secrets)
    try:
        session.execute(f"CREATE TABLE IF NOT EXISTS {svc['database']}.multidb_test_sentinel (marker text PRIMARY KEY)")
        session.execute(f"INSERT INTO {svc['database']}.multidb_test_sentinel (marker) VALUES (%s)", (marker,))
    finally:
        cluster.shutdown()


def _scylla_read(svc, secrets, marker):
    cluster, session = _scylla_session(svc, secrets)
    try:
        rows = session.execute(f"SELECT marker FROM {svc['database']}.multidb_test_sentinel WHERE marker = %s", (marker,))
        return len(list(rows)) == 1
    finally:
        cluster.shutdown()


WEAVIATE_CLASS = "MultidbTestSentinel"


def _weaviate(svc, secrets, method, path, **kw):
    import requests

    url = f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['port']}{path}"
    return requests.request(method, url, headers={"Authorization": f"Bearer {secrets['weaviate_admin_api_key']}"},
                            timeout=30, **kw)


def _weaviate_write(svc, secrets, marker):
    if _weaviate(svc, secrets, "GET", f"/v1/schema/{WEAVIATE_CLASS}").status_code == 404:
        r = _weaviate(svc, secrets, "POST", "/v1/schema", json={
            "class": WEAVIATE_CLASS, "vectorizer": "none",
            "properties": [{"name": "marker", "dataType": ["text"]}]})
        assert r.ok, r.text
    r = _weaviate(svc, secrets, "POST", "/v1/objects", json={
        "class": WEAVIATE_CLASS, "id": str(uuid.uuid5(uuid.NAMESPACE_URL, marker)),
        "properties": {"marker": marker}, "vector": [0.1, 0.2, 0.3]})
    assert r.ok, r.text


def _weaviate_read(svc, secrets, marker):
    r = _weaviate(svc, secrets, "GET", f"/v1/objects/{WEAVIATE_CLASS}/{uuid.uuid5(uuid.NAMESPACE_URL, marker)}")
    return r.ok and r.json()["properties"]["marker"] == marker


def _garage_client(svc, secrets):
    import boto3
    from botocore.client import Config

    return boto3.client("s3", endpoint_url=f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['port']}",
                        region_name=svc.get("region", "garage"),
                        aws_access_key_id=secrets["objectstore_app_access_key_id"],
                        aws_secret_access_key=secrets["objectstore_app_secret_access_key"],
                        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3}))


def _garage_bucket(client):
    """A bucket of the application's data: not `backups`, which holds the platform's backups
    (a backup of the object store copies every other bucket)."""
    buckets = [b["Name"] for b in client.list_buckets()["Buckets"]]
    assert buckets, "the application key sees no bucket"
    return ([b for b in sorted(buckets) if b != "backups"] or sorted(buckets))[0]


def _garage_write(svc, secrets, marker):
    client = _garage_client(svc, secrets)
    client.put_object(Bucket=_garage_bucket(client), Key=f"multidb_test/sentinel/{marker}", Body=marker.encode())


def _garage_read(svc, secrets, marker):
    client = _garage_client(svc, secrets)
    body = client.get_object(Bucket=_garage_bucket(client), Key=f"multidb_test/sentinel/{marker}")["Body"].read()
    return body.decode() == marker


# engine (the `engine` of a services entry) -> (write, read)
ENGINES = {
    "postgres": (_postgres_write, _postgres_read),
    "redis": (_redis_write, _redis_read),
    "mongodb": (_mongodb_write, _mongodb_read),
    "scylla": (_scylla_write, _scylla_read),
    "weaviate": (_weaviate_write, _weaviate_read),
    "garage": (_garage_write, _garage_read),
}


def write_sentinels(services: dict, secrets: dict) -> dict:
    """Write one new marker into every service; returns {service: marker}."""
    unknown = sorted(f"{name} (engine {svc['engine']})" for name, svc in services.items() if svc["engine"] not in ENGINES)
    assert not unknown, f"no sentinel writer for {', '.join(unknown)}: add one to tests/sentinels.py"
    markers = {}
    for name, svc in sorted(services.items()):
        marker = f"sentinel-{name}-{uuid.uuid4().hex[:12]}"
        ENGINES[svc["engine"]][0](svc, secrets, marker)
        markers[name] = marker
    return markers


def missing_sentinels(services: dict, secrets: dict, markers: dict) -> list[str]:
    """Services whose marker cannot be read back (as '<service>: <reason>')."""
    missing = []
    for name, marker in sorted(markers.items()):
        svc = services[name]
        try:
            if not ENGINES[svc["engine"]][1](svc, secrets, marker):
                missing.append(f"{name}: marker {marker} not found")
        except Exception as exc:  # noqa: BLE001 - report every service, not just the first failure
            missing.append(f"{name}: {type(exc).__name__}: {exc}")
    return missing
