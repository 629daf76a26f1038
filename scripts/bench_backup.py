#!/usr/bin/env python3
"""How long backups and restores take, and how big they are: `make bench-backup`. A benchmark, not a test.

On the images already built (--image-vars), on a project of its own (`multidb-benchbak`: its own
state home, ports found free by the OS, subnet 10.213.15.0/24): site.yml, then every data service
gets the data volume its tests/backup_data/<engine>.py states (BULK, loaded by bulk(); a service
without one gets the round-trip tests' data), then for each service on its own:

  backup    playbooks/backup.yml --limit <service>         (wall clock of the playbook)
  restore   playbooks/restore.yml --limit <service>        (checks every object, restores, health)
  size      the sum of the backup's objects (its manifest)

and finally one backup of every service at once (what the daily job takes). Prints a table and
the machine; the instance is deleted at the end. Exit 1 when a run failed.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(REPO / "tests"))
sys.path.insert(0, str(REPO / "scripts"))
from backup_data import for_engine  # noqa: E402
from bench import bench_instance, machine, playbook, remove_state_home  # noqa: E402

PROJECT = "multidb-benchbak"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--image-vars", default=str(REPO / "tests/images/standin.yml"))
    parser.add_argument("--out", default=None, help="directory for the logs")
    parser.add_argument("--services", nargs="+", default=None, metavar="SERVICE",
                        help="measure only these services (default: every service of the instance)")
    opts = parser.parse_args()
    out = Path(opts.out or tempfile.mkdtemp(prefix="multidb-bench-backup-"))
    out.mkdir(parents=True, exist_ok=True)
    # Redis gets room for its BULK (100,000 keys of 1 KiB are ~110 MB; the default container's
    # maxmemory is 96 MB): the benchmark states a data volume, it does not shrink it to fit.
    state_home, env, common = bench_instance(PROJECT, "10.213.15.0/24", opts.image_vars, out, "multidb-bench-backup",
                                             multidb_redis_memory_mb=512)
    log = out / "bench.log"
    failures, rows = [], []
    print(f"backup benchmark on {PROJECT}; logs in {out}", flush=True)
    try:
        rc, took, _ = playbook(["site.yml"] + common, env, log)
        if rc != 0:
            print(f"FAILED site.yml exit {rc} (see {log})")
            return 1
        state = state_home / PROJECT
        services = json.loads((state / "services.json").read_text())
        secrets = {p.name: p.read_text() for p in (state / "secrets").iterdir() if p.is_file()}
        unknown = set(opts.services or []) - set(services)
        if unknown:
            print(f"FAILED --services: {', '.join(sorted(unknown))} not in the instance ({', '.join(services)})")
            return 1
        for name, svc in services.items():
            if opts.services and name not in opts.services:
                continue
            data = for_engine(svc["engine"])
            start = time.monotonic()
            if hasattr(data, "bulk"):
                data.bulk(svc, secrets)
                stated = data.BULK
            else:
                data.write(svc, secrets)
                stated = "the round-trip tests' data (no BULK in its tests/backup_data module)"
            print(f"{name}: loaded {stated} in {time.monotonic() - start:.1f} s", flush=True)
            rows.append([name, stated])
        for row in rows:
            name = row[0]
            rc, backup, output = playbook(["playbooks/backup.yml", "--limit", name] + common, env, log)
            found = re.search(r"Backup ([0-9]{8}T[0-9]{6}Z) of .* is complete", " ".join(output.split()))
            stamp = found.group(1) if found else None
            if rc != 0 or stamp is None:
                failures.append(f"{name}: backup exit {rc}")
                row += [None, None, None]
                continue
            rc, restore, _ = playbook(["playbooks/restore.yml", "--limit", name, "-e",
                                       f"multidb_restore_backup={stamp}"] + common, env, log)
            if rc != 0:
                failures.append(f"{name}: restore exit {rc}")
            size = _size(state_home, PROJECT, name, stamp, services, secrets, env, common, log)
            row += [backup, restore if rc == 0 else None, size]
            print(f"{name}: backup {backup:.1f} s, restore {restore:.1f} s, {size / 1e6:.1f} MB", flush=True)
        limit = ["--limit", ",".join(opts.services)] if opts.services else []
        rc, together, _ = playbook(["playbooks/backup.yml"] + limit + common, env, log)
        if rc != 0:
            failures.append(f"backup of every service exit {rc}")
    finally:
        playbook(["playbooks/teardown.yml", "-e", "multidb_destroy_data=true"] + common, env, out / "teardown.log")
        remove_state_home(state_home)
    print(f"\nmachine: {machine()}")
    print(f"{'service':<12} {'backup s':>9} {'restore s':>10} {'size MB':>8}  data")
    for name, stated, backup, restore, size in rows:
        cell = lambda v, f: f"{v:{f}}" if v is not None else "failed"  # noqa: E731
        print(f"{name:<12} {cell(backup, '9.1f')} {cell(restore, '10.1f')} {cell(size and size / 1e6, '8.1f')}  {stated}")
    print(f"{'every service' if not opts.services else ', '.join(opts.services)} at once: backup {together:.1f} s")
    for failure in failures:
        print(f"FAILED {failure}")
    return 1 if failures else 0


def _size(state_home, project, name, stamp, services, secrets, env, common, log) -> int:
    """The sum of the backup's objects, from its manifest in the instance's object store."""
    import boto3
    from botocore.config import Config

    store = services["objectstore"]
    client = boto3.client("s3", endpoint_url=f"{store['scheme']}://{store['host']}:{store['port']}",
                          region_name=store["region"], aws_access_key_id=secrets["objectstore_app_access_key_id"],
                          aws_secret_access_key=secrets["objectstore_app_secret_access_key"],
                          config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                                        response_checksum_validation="when_required"))
    manifest = json.loads(client.get_object(Bucket="backups", Key=f"{project}/{name}/{stamp}/manifest.json")["Body"].read())
    return sum(int(o["size"]) for o in manifest["objects"])


if __name__ == "__main__":
    sys.exit(main())
