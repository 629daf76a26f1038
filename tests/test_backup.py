"""Backups proven by restoring them (issue 15): backup.yml and restore.yml on the test instance.

Every service of the contract gets known data (tests/backup_data/<engine>.py), is backed up,
loses its data and is restored; the data must come back equal (by checksum, with a working
nearest-neighbour index where the service has one). Two ways:
1. into the instance's own object store, then every data volume but the object store's is deleted
   (teardown, `docker volume rm`, site.yml) and restored;
2. into an object store outside the instance (multidb_backup_target: a moto server), then the whole
   instance is deleted with multidb_destroy_data=true (volumes, state and secrets), brought up again
   and restored.
Between them, the refusals: each run must fail naming the problem, before anything changed.
"""

from __future__ import annotations

import hashlib
import json
import re
import threading
import time
import uuid

import docker
import pytest
import yaml

from backup_data import for_engine
from conftest import (REPO, assert_converged_with_sentinels, assert_running_with_sentinels, converge, free_port_blocks, moto_server, read_secrets,
                      read_services, recap_changed, run_ops)

pytestmark = pytest.mark.ops(order=3)

REGISTRY = yaml.safe_load((REPO / "playbooks/vars/services.yml").read_text())["multidb_service_registry"]
TIMESTAMP = re.compile(r"Backup ([0-9]{8}T[0-9]{6}Z) of (.+) is complete")


def _s3(services, secrets, target=None):
    import boto3
    from botocore.config import Config

    if target is None:
        store = services["objectstore"]
        target = {"endpoint_url": f"{store['scheme']}://{store['host']}:{store['port']}", "region": store["region"],
                  "access_key_id": secrets["objectstore_app_access_key_id"],
                  "secret_access_key": secrets["objectstore_app_secret_access_key"], "bucket": "backups"}
    client = boto3.client("s3", endpoint_url=target["endpoint_url"], region_name=target["region"],
                          aws_access_key_id=target["access_key_id"], aws_secret_access_key=target["secret_access_key"],
                          config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                                        response_checksum_validation="when_required"))
    return client, target["bucket"]


def _write_all(services, secrets) -> dict:
    for svc in services.values():
        for_engine(svc["engine"]).write(svc, secrets)
    return _fingerprints(services, secrets)


def _fingerprints(services, secrets) -> dict:
    return {name: for_engine(svc["engine"]).fingerprint(svc, secrets) for name, svc in services.items()}


def _backup(*extra) -> str:
    proc = run_ops("playbooks/backup.yml", *extra)
    assert proc.returncode == 0, proc.stdout[-6000:]
    found = TIMESTAMP.search(" ".join(proc.stdout.split()))
    assert found, proc.stdout[-3000:]
    return found.group(1)


def _restore(project, *extra):
    """restore.yml, which must succeed and leave none of its temporary containers' volumes behind."""
    with _VolumeWatch(project) as watch:
        proc = run_ops("playbooks/restore.yml", *extra)
    assert proc.returncode == 0, proc.stdout[-8000:]
    limit = extra[extra.index("--limit") + 1].split(",") if "--limit" in extra else ["redis"]
    if "redis" in limit:  # Redis' restore has a temporary server: the watch must have seen it
        assert f"{project}-redis-restore" in watch.created().values(), \
            f"the event stream showed no temporary Redis server: {watch.created()}"
    left = watch.left_behind()
    assert not left, f"the restore left the anonymous volumes of its temporary containers: {left}"
    return proc


class _VolumeWatch:
    """The volumes mounted by containers of the project created while it watches (a restore's
    temporary server or loader), from the engine's event stream, read as it happens (the engine
    keeps only its last 256 events, fewer than the health checks of a long restore make)."""

    def __init__(self, project):
        self.project = project
        self.client = docker.from_env()
        self.events: list[dict] = []
        self.stream = None
        self.thread = threading.Thread(target=self._read, daemon=True)

    def _read(self):
        try:
            for event in self.stream:
                self.events.append(event)
        except Exception:  # noqa: BLE001 - the stream closed under it by __exit__
            pass

    def __enter__(self):
        self.stream = self.client.events(decode=True, since=int(time.time()),
                                         filters={"type": ["container", "volume"]})
        self.thread.start()
        return self

    def __exit__(self, *exc):
        # The run removed its temporary containers before it ended: read on until the stream has
        # shown the removal of every one it saw created (their volumes' events come before).
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and set(self.created()) - self._destroyed():
            time.sleep(0.1)
        self.stream.close()
        self.thread.join(timeout=10)

    def _destroyed(self) -> set[str]:
        return {e["Actor"]["ID"] for e in list(self.events)
                if e.get("Type") == "container" and e.get("Action") == "destroy"}

    def _ours(self, name: str) -> bool:
        """<project>-<service>[-...]: not a container of another project whose name only starts
        with this one's (multidb-ci-subset-redis is not multidb-ci's; the beside stage's
        instances run meanwhile)."""
        rest = name[len(self.project) + 1:] if name.startswith(f"{self.project}-") else ""
        return rest.split("-", 1)[0] in REGISTRY

    def created(self) -> dict[str, str]:
        """The containers of the project created while it watched, by id -> name."""
        return {e["Actor"]["ID"]: e["Actor"]["Attributes"].get("name", "") for e in list(self.events)
                if e.get("Type") == "container" and e.get("Action") == "create"
                and self._ours(e["Actor"]["Attributes"].get("name", ""))}

    def left_behind(self) -> dict[str, str]:
        """Volumes without the project's label (anonymous: an image's VOLUME) that such a container
        mounted and that still exist, by volume name -> container name."""
        ours = self.created()
        mounted = {e["Actor"]["ID"]: ours[e["Actor"]["Attributes"]["container"]] for e in list(self.events)
                   if e.get("Type") == "volume" and e.get("Action") == "mount"
                   and e["Actor"]["Attributes"].get("container") in ours}
        left = {}
        for volume, container in mounted.items():
            try:
                labels = self.client.volumes.get(volume).attrs.get("Labels") or {}
            except docker.errors.NotFound:
                continue
            if labels.get("project") != self.project:
                left[volume] = container
        return left


def _assert_backup_is_complete_and_holds_no_secret(services, secrets, project, stamp, target=None):
    client, bucket = _s3(services, secrets, target)
    index = json.loads(client.get_object(Bucket=bucket, Key=f"{project}/index/{stamp}.json")["Body"].read())
    assert sorted(index["services"]) == sorted(services), index
    texts = [json.dumps(index)]
    for name in services:
        manifest = client.get_object(Bucket=bucket, Key=f"{project}/{name}/{stamp}/manifest.json")["Body"].read()
        doc = json.loads(manifest)
        assert doc["service"] == name and doc["engine"] == services[name]["engine"] and doc["objects"], doc
        assert doc["version"] and doc["tool"], doc
        texts.append(manifest.decode())
    leaked = [n for n, v in secrets.items() if v and any(v in t for t in texts)]
    assert not leaked, f"the manifests or the index hold the secrets {leaked}"


class Writer:
    """A bounded loop of inserts into PostgreSQL while a backup runs: row n (1, 2, 3, ...) in a
    transaction of its own, with a payload and its checksum. A consistent backup restores a prefix
    1..k of them, k > 0, with no gap and no row whose payload does not match its checksum."""

    def __init__(self, svc, secrets, limit=5000):
        self.svc, self.secrets, self.limit = svc, secrets, limit
        self.stop = threading.Event()
        self.written = 0
        self.error = None
        self.thread = threading.Thread(target=self._run, daemon=True)

    def _connect(self):
        import psycopg

        svc = self.svc
        return psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                               password=self.secrets["postgres_admin_password"], autocommit=True)

    def _run(self):
        try:
            with self._connect() as conn:
                conn.execute("CREATE TABLE IF NOT EXISTS public.multidb_writer (n int PRIMARY KEY, payload text, sha text)")
                while not self.stop.is_set() and self.written < self.limit:
                    n = self.written + 1
                    payload = f"row {n} " + uuid.uuid4().hex * 8
                    conn.execute("INSERT INTO public.multidb_writer VALUES (%s, %s, %s)",
                                 (n, payload, hashlib.sha256(payload.encode()).hexdigest()))
                    self.written = n
        except Exception as err:  # noqa: BLE001 - reported by the test
            self.error = err

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.stop.set()
        self.thread.join(timeout=60)

    def restored(self, svc, secrets):
        import psycopg

        with psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                             password=secrets["postgres_admin_password"], autocommit=True) as conn:
            rows = conn.execute("SELECT n, payload, sha FROM public.multidb_writer ORDER BY n").fetchall()
            conn.execute("DROP TABLE public.multidb_writer")
        return rows


def test_every_service_of_the_contract_has_backups():
    """No data service is left out silently: each has a registry `backup` entry, a role with
    backup.yml and restore.yml, and test data."""
    for name, entry in REGISTRY.items():
        assert "backup" in entry, f"{name}: no `backup` in playbooks/vars/services.yml"
        role = REPO / "roles" / entry["role"].split(".")[-1] / "tasks"
        assert (role / "backup.yml").is_file() and (role / "restore.yml").is_file(), name


def test_round_trip_through_the_instances_object_store_after_losing_every_other_volume(ops_state_dir, sentinels,
                                                                                    project):
    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    written = _write_all(services, secrets)
    with Writer(services["postgres"], secrets) as writer:
        stamp = _backup()
    assert writer.error is None and writer.written > 0, writer.error
    _assert_backup_is_complete_and_holds_no_secret(services, secrets, project, stamp)

    down = run_ops("playbooks/teardown.yml")
    assert down.returncode == 0, down.stdout[-4000:]
    client = docker.from_env()
    kept = {services["objectstore"]["volume"], services["objectstore"]["meta_volume"]}
    lost = sorted({svc["volume"] for svc in services.values()}
                  | {n["volume"] for svc in services.values() for n in svc.get("nodes", [])})
    lost = [v for v in lost if v not in kept]
    for volume in lost:
        client.volumes.get(volume).remove()
    converge()
    services = read_services(ops_state_dir)
    assert _fingerprints_or_missing(services, secrets, skip={"objectstore"}) != {
        k: v for k, v in written.items() if k != "objectstore"}, "the data survived the volumes"

    _restore(project)
    assert _fingerprints(services, secrets) == written
    rows = writer.restored(services["postgres"], secrets)
    assert rows and [n for n, _, _ in rows] == list(range(1, len(rows) + 1)), "the writer's rows have a gap"
    assert all(hashlib.sha256(p.encode()).hexdigest() == sha for _, p, sha in rows), "a torn row"
    print(f"the writer wrote {writer.written} rows during the backup; the backup holds rows 1..{len(rows)}")
    again = assert_converged_with_sentinels(ops_state_dir, sentinels, "a restore from the instance's object store")
    assert recap_changed(again.stdout) == 0, "site.yml changes a restored instance"


def test_redis_restore_right_after_its_backup_continues_the_replication(ops_state_dir, project):
    """A Redis server that has been a replica (a restore's) keeps a replication backlog, and its
    next backup's RDB carries its replication ID and offset. Restored with nothing written since,
    the temporary server that loaded that RDB accepts a partial resync: no full sync, no AOF
    rewrite; the restore must see that the data already is the backup's (it waited for the
    rewrite until its timeout)."""
    from backup_data.redis import _client

    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    svc = services["redis"]
    server = _client(svc, secrets)
    engine = for_engine("redis")
    stamp = _backup("--limit", "redis,objectstore")
    if not server.info("replication").get("repl_backlog_active"):
        # not a replica since it started (this test alone): a first restore makes it one
        _restore(project, "--limit", "redis", "-e", f"multidb_restore_backup={stamp}")
        stamp = _backup("--limit", "redis,objectstore")
    assert server.info("replication")["repl_backlog_active"] == 1
    before = engine.fingerprint(svc, secrets)
    proc = _restore(project, "--limit", "redis", "-e", f"multidb_restore_backup={stamp}")
    said = " ".join(proc.stdout.split())
    assert "instead of a full sync: nothing was written to the server since" in said, said[-4000:]
    assert engine.fingerprint(svc, secrets) == before
    assert server.info("replication")["role"] == "master", "the server was left a replica"


def test_a_complete_backup_removes_the_expired_and_the_abandoned_backups_of_its_project(ops_state_dir, project,
                                                                                         inventory_vars):
    """Retention by the backups' own timestamps, applied once a backup is complete: a complete
    backup older than multidb_backup_retention_days goes (index and objects), one inside it stays;
    objects without an index go once they are 12 hours old (a younger one may be a backup still
    running); another project's backups are not touched."""
    from datetime import datetime, timedelta, timezone

    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    client, bucket = _s3(services, secrets)
    days = int(inventory_vars.get("multidb_backup_retention_days", 7))
    now = datetime.now(timezone.utc)

    def stamp(delta):
        return (now - delta).strftime("%Y%m%dT%H%M%SZ")

    def plant(root, ts, complete):
        keys = [f"{root}/postgres/{ts}/postgres.dump", f"{root}/postgres/{ts}/manifest.json"]
        if complete:
            keys.append(f"{root}/index/{ts}.json")
        for key in keys:
            client.put_object(Bucket=bucket, Key=key, Body=json.dumps({"project": root, "timestamp": ts}).encode())
        return keys

    expired = plant(project, stamp(timedelta(days=days, hours=1)), complete=True)
    kept = plant(project, stamp(timedelta(days=days - 1)), complete=True)
    abandoned = plant(project, stamp(timedelta(hours=13)), complete=False)
    running = plant(project, stamp(timedelta(hours=11)), complete=False)
    other = plant(f"{project}-other", stamp(timedelta(days=days + 30)), complete=True)
    try:
        _backup("--limit", "objectstore")
        present = {o["Key"] for page in client.get_paginator("list_objects_v2").paginate(Bucket=bucket)
                   for o in page.get("Contents", [])}
        assert not set(expired) & present, "a complete backup past the retention was kept"
        assert not set(abandoned) & present, "an incomplete backup 13 hours old was kept"
        assert set(kept + running + other) <= present, f"removed: {set(kept + running + other) - present}"
    finally:
        for key in expired + kept + abandoned + running + other:
            client.delete_object(Bucket=bucket, Key=key)


def _fingerprints_or_missing(services, secrets, skip):
    found = {}
    for name, svc in services.items():
        if name in skip:
            continue
        try:
            found[name] = for_engine(svc["engine"]).fingerprint(svc, secrets)
        except Exception as err:  # noqa: BLE001 - a missing table/keyspace/collection is the expected state
            found[name] = f"missing: {type(err).__name__}"
    return found


def _refused(*args, expect: str):
    proc = run_ops("playbooks/restore.yml", *args)
    flat = " ".join((proc.stdout + proc.stderr).split())
    assert proc.returncode != 0, f"restore {args} was not refused: {flat[-3000:]}"
    assert expect in flat, flat[-3000:]
    assert "Restore the services, all at once" not in proc.stdout, "a service was restored before the refusal"
    return flat


def test_restore_refuses_bad_backups_before_any_change(ops_state_dir, project):
    """Corrupted object, missing manifest, unknown timestamp, another project's backup, a service
    not enabled, an unreachable object store: each refused, naming it; a change made after the
    backup (a marker, which the restore would remove) is still there."""
    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    stamp = _backup("--limit", "postgres,objectstore")
    pg = for_engine("postgres")
    marker = f"after-{uuid.uuid4().hex[:8]}"
    import psycopg

    svc = services["postgres"]
    with psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                         password=secrets["postgres_admin_password"], autocommit=True) as conn:
        conn.execute("CREATE TABLE IF NOT EXISTS public.multidb_after_backup (marker text)")
        conn.execute("INSERT INTO public.multidb_after_backup VALUES (%s)", (marker,))
    client, bucket = _s3(services, secrets)
    prefix = f"{project}/postgres/{stamp}/"

    _refused("-e", "multidb_restore_backup=19990101T000000Z",
             expect="no complete backup 19990101T000000Z of project")

    # one byte flipped in the dump
    dump_key = next(o["Key"] for o in client.list_objects_v2(Bucket=bucket, Prefix=prefix)["Contents"]
                    if o["Key"].endswith(".dump"))
    original = client.get_object(Bucket=bucket, Key=dump_key)["Body"].read()
    flipped = bytearray(original)
    flipped[len(flipped) // 2] ^= 0x01
    client.put_object(Bucket=bucket, Key=dump_key, Body=bytes(flipped))
    _refused("--limit", "postgres", "-e", f"multidb_restore_backup={stamp}", expect=f"{dump_key} does not match its manifest")
    client.put_object(Bucket=bucket, Key=dump_key, Body=original)

    # the manifest gone
    manifest = client.get_object(Bucket=bucket, Key=prefix + "manifest.json")["Body"].read()
    client.delete_object(Bucket=bucket, Key=prefix + "manifest.json")
    _refused("--limit", "postgres", "-e", f"multidb_restore_backup={stamp}",
             expect=f"cannot read {prefix}manifest.json: no such object")
    client.put_object(Bucket=bucket, Key=prefix + "manifest.json", Body=manifest)

    # another project's backup under this project's name
    index = json.loads(client.get_object(Bucket=bucket, Key=f"{project}/index/{stamp}.json")["Body"].read())
    foreign = "20000101T000000Z"
    client.put_object(Bucket=bucket, Key=f"{project}/index/{foreign}.json",
                      Body=json.dumps(dict(index, project="someone-else", timestamp=foreign)).encode())
    _refused("-e", f"multidb_restore_backup={foreign}", "--limit", "postgres",
             expect="it is a backup of project someone-else, not")
    client.delete_object(Bucket=bucket, Key=f"{project}/index/{foreign}.json")

    # a service of the backup that is not enabled (the contract of the running platform)
    contract = ops_state_dir / "services.json"
    saved = contract.read_text()
    try:
        contract.write_text(json.dumps({k: v for k, v in json.loads(saved).items() if k != "postgres"}))
        _refused("--limit", "postgres,objectstore", expect="not enabled here: postgres")
    finally:
        contract.write_text(saved)

    # an object store that does not answer
    port = free_port_blocks([1])[0]
    target = {"endpoint_url": f"http://127.0.0.1:{port}", "region": "garage", "bucket": "backups",
              "access_key_id": "nobody", "secret_access_key": "nothing"}
    _refused("-e", json.dumps({"multidb_backup_target": target}), expect=f"127.0.0.1:{port}")

    with psycopg.connect(host=svc["host"], port=svc["port"], dbname=svc["database"], user=svc["username"],
                         password=secrets["postgres_admin_password"], autocommit=True) as conn:
        rows = conn.execute("SELECT count(*) FROM public.multidb_after_backup WHERE marker = %s", (marker,)).fetchone()
        conn.execute("DROP TABLE public.multidb_after_backup")
    assert rows[0] == 1, "a refused restore changed the database"
    assert pg.fingerprint(svc, secrets)["rows"] > 0


def test_round_trip_through_an_outside_object_store_after_deleting_the_whole_instance(ops_state_dir, sentinels,
                                                                                      project):
    services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)
    written = _fingerprints(services, secrets)  # the first round trip's data, restored
    with moto_server() as endpoint:
        target = {"endpoint_url": endpoint, "region": "us-east-1", "bucket": "offsite-backups",
                  "access_key_id": "testing", "secret_access_key": "testing"}
        client, _ = _s3(services, secrets, target)
        client.create_bucket(Bucket="offsite-backups")
        target_arg = json.dumps({"multidb_backup_target": target})
        stamp = _backup("-e", target_arg)
        _assert_backup_is_complete_and_holds_no_secret(services, secrets, project, stamp, target)

        destroyed = run_ops("playbooks/teardown.yml", "-e", "multidb_destroy_data=true")
        assert destroyed.returncode == 0, destroyed.stdout[-4000:]
        assert not (ops_state_dir / "secrets").exists(), "the secrets survived DESTROY_DATA"
        converge()
        services, secrets = read_services(ops_state_dir), read_secrets(ops_state_dir)

        _restore(project, "-e", target_arg, "-e", f"multidb_restore_backup={stamp}")
    assert _fingerprints(services, secrets) == written
    # (that site.yml then changes nothing is the first round trip's check)
    assert_running_with_sentinels(ops_state_dir, sentinels, "a restore from an outside object store")
