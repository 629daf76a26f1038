"""Object store: objects of the test's own under a prefix of the `documents` bucket (empty, small,
binary and a multipart-sized one), as the application key."""

from __future__ import annotations

import hashlib
import random

BUCKET = "documents"
PREFIX = "multidb-backup-test/"


def _client(svc, secrets):
    import boto3
    from botocore.config import Config

    return boto3.client("s3", endpoint_url=f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['port']}",
                        region_name=svc.get("region", "garage"),
                        aws_access_key_id=secrets["objectstore_app_access_key_id"],
                        aws_secret_access_key=secrets["objectstore_app_secret_access_key"],
                        config=Config(s3={"addressing_style": "path"}, request_checksum_calculation="when_required",
                                      response_checksum_validation="when_required"))


def _objects():
    rng = random.Random(7)
    yield "empty", b""
    yield "notes/hello.txt", b"hello, backup\n"
    for i in range(20):
        yield f"blobs/{i:03d}.bin", rng.randbytes(rng.randint(1, 64 * 1024))
    yield "large/17MiB.bin", rng.randbytes(17 * 1024 * 1024)  # more than one 16 MiB part


def write(svc, secrets):
    client = _client(svc, secrets)
    for key, body in _objects():
        client.put_object(Bucket=BUCKET, Key=PREFIX + key, Body=body)


def fingerprint(svc, secrets):
    client = _client(svc, secrets)
    found = {}
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        for item in page.get("Contents", []):
            body = client.get_object(Bucket=BUCKET, Key=item["Key"])["Body"].read()
            found[item["Key"]] = hashlib.sha256(body).hexdigest()
    return {"objects": found}


def destroy(svc, secrets):
    client = _client(svc, secrets)
    for page in client.get_paginator("list_objects_v2").paginate(Bucket=BUCKET, Prefix=PREFIX):
        for item in page.get("Contents", []):
            client.delete_object(Bucket=BUCKET, Key=item["Key"])


# The backup benchmark's data volume (scripts/bench_backup.py), not used by the tests.
BULK = "200 objects of 1 MiB"


def bulk(svc, secrets):
    client = _client(svc, secrets)
    rng = random.Random(11)
    for i in range(200):
        client.put_object(Bucket=BUCKET, Key=f"multidb-bench/{i:04d}.bin", Body=rng.randbytes(1024 * 1024))
