"""S3 object storage (Garage): no anonymous access, the application key reads and writes its
buckets and nothing else, objects survive a container restart."""

from __future__ import annotations

import time
import uuid
from pathlib import Path

import boto3
import docker
import pytest
import requests
import yaml
from botocore.client import Config
from botocore.exceptions import BotoCoreError, ClientError

REPO = Path(__file__).resolve().parent.parent
TIMEOUT = 10


@pytest.fixture(scope="module")
def s3svc(services):
    if "objectstore" not in services:
        pytest.skip("objectstore is not enabled")
    return services["objectstore"]


@pytest.fixture(scope="module")
def buckets(inventory_vars) -> list[str]:
    declared = inventory_vars.get("multidb_objectstore_buckets")
    if not declared:
        declared = yaml.safe_load((REPO / "roles/objectstore/defaults/main.yml").read_text())["objectstore_buckets"]
    return [b["name"] for b in declared]


def _endpoint(svc) -> str:
    return f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['port']}"


def _admin(svc, secrets, endpoint: str, method: str = "GET", **kw) -> requests.Response:
    url = f"{svc.get('scheme', 'http')}://{svc['host']}:{svc['admin_port']}/v2/{endpoint}"
    return requests.request(method, url, headers={"Authorization": f"Bearer {secrets['objectstore_admin_token']}"},
                            timeout=TIMEOUT, **kw)


def _client(svc, key_id: str, secret: str):
    return boto3.client(
        "s3",
        endpoint_url=_endpoint(svc),
        region_name=svc.get("region", "garage"),
        aws_access_key_id=key_id,
        aws_secret_access_key=secret,
        config=Config(s3={"addressing_style": "path"}, retries={"max_attempts": 1},
                      connect_timeout=5, read_timeout=TIMEOUT),
    )


@pytest.fixture(scope="module")
def app(s3svc, secrets):
    return _client(s3svc, secrets["objectstore_app_access_key_id"], secrets["objectstore_app_secret_access_key"])


def _error_code(exc: ClientError) -> str:
    return exc.response.get("Error", {}).get("Code", "")


def test_app_key_puts_and_gets_objects_in_its_buckets(app, buckets):
    for bucket in buckets:
        key = f"pytest/{uuid.uuid4().hex}.txt"
        app.put_object(Bucket=bucket, Key=key, Body=b"hello " + bucket.encode())
        try:
            assert app.get_object(Bucket=bucket, Key=key)["Body"].read() == b"hello " + bucket.encode()
            listed = app.list_objects_v2(Bucket=bucket, Prefix="pytest/")
            assert key in [o["Key"] for o in listed.get("Contents", [])]
        finally:
            app.delete_object(Bucket=bucket, Key=key)


def test_anonymous_request_refused(s3svc, buckets):
    r = requests.get(f"{_endpoint(s3svc)}/{buckets[0]}?list-type=2", timeout=TIMEOUT)
    assert r.status_code == 403, r.text
    r = requests.put(f"{_endpoint(s3svc)}/{buckets[0]}/pytest-anonymous.txt", data=b"x", timeout=TIMEOUT)
    assert r.status_code == 403, r.text


def test_wrong_keys_refused(s3svc, secrets, buckets):
    unknown = _client(s3svc, "GK" + uuid.uuid4().hex[:24], uuid.uuid4().hex * 2)
    with pytest.raises(ClientError) as exc:
        unknown.list_objects_v2(Bucket=buckets[0])
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, exc.value.response
    wrong_secret = _client(s3svc, secrets["objectstore_app_access_key_id"], uuid.uuid4().hex * 2)
    with pytest.raises(ClientError) as exc:
        wrong_secret.list_objects_v2(Bucket=buckets[0])
    assert exc.value.response["ResponseMetadata"]["HTTPStatusCode"] == 403, exc.value.response


def test_app_key_confined_to_its_buckets(s3svc, secrets, app):
    # a bucket the application key was never given
    outside = "pytest-outside-" + uuid.uuid4().hex[:8]
    r = _admin(s3svc, secrets, "CreateBucket", "POST", json={"globalAlias": outside})
    assert r.status_code == 200, r.text
    bucket_id = r.json()["id"]
    try:
        with pytest.raises(ClientError) as exc:
            app.put_object(Bucket=outside, Key="x.txt", Body=b"x")
        assert _error_code(exc.value) == "AccessDenied", exc.value.response
        with pytest.raises(ClientError) as exc:
            app.list_objects_v2(Bucket=outside)
        assert _error_code(exc.value) == "AccessDenied", exc.value.response
    finally:
        assert _admin(s3svc, secrets, f"DeleteBucket?id={bucket_id}", "POST").status_code == 200
    # and it cannot create buckets of its own
    with pytest.raises(ClientError) as exc:
        app.create_bucket(Bucket="pytest-created-" + uuid.uuid4().hex[:8])
    assert _error_code(exc.value) == "AccessDenied", exc.value.response


def test_app_key_is_not_owner(s3svc, secrets, buckets):
    r = _admin(s3svc, secrets, f"GetKeyInfo?id={secrets['objectstore_app_access_key_id']}")
    assert r.status_code == 200, r.text
    info = r.json()
    assert "secretAccessKey" not in info
    assert info["permissions"].get("createBucket") is False
    granted = {b["globalAliases"][0]: b["permissions"] for b in info["buckets"] if b["globalAliases"]}
    assert granted == {b: {"read": True, "write": True, "owner": False} for b in buckets}, info


def test_lifecycle_rule_aborts_incomplete_uploads(s3svc, secrets, buckets):
    for bucket in buckets:
        r = _admin(s3svc, secrets, f"GetBucketInfo?globalAlias={bucket}")
        assert r.status_code == 200, r.text
        rules = {rule.get("ID"): rule for rule in r.json().get("lifecycleRules") or []}
        assert rules["abort-incomplete-uploads"]["Status"] == "Enabled", rules
        assert rules["abort-incomplete-uploads"]["AbortIncompleteMultipartUpload"]["DaysAfterInitiation"] >= 1


def test_backups_bucket_expires_objects_a_day_after_the_backup_retention(s3svc, secrets, inventory_vars):
    """The lifecycle rule is the safety net of backup.yml's own retention (issue 15): objects of
    `backups` expire multidb_backup_retention_days + 1 days after they were written."""
    days = int(inventory_vars.get("multidb_backup_retention_days", 7))
    r = _admin(s3svc, secrets, "GetBucketInfo?globalAlias=backups")
    assert r.status_code == 200, r.text
    rules = {rule.get("ID"): rule for rule in r.json().get("lifecycleRules") or []}
    assert rules["expire-objects"]["Status"] == "Enabled", rules
    assert rules["expire-objects"]["Expiration"] == {"Days": days + 1}, rules


def test_objects_survive_container_restart(s3svc, app, buckets):
    key = f"pytest/persist-{uuid.uuid4().hex}.txt"
    app.put_object(Bucket=buckets[0], Key=key, Body=b"kept")
    try:
        docker.from_env().containers.get(s3svc["container"]).restart(timeout=30)
        deadline = time.monotonic() + 120
        while True:
            try:
                assert app.get_object(Bucket=buckets[0], Key=key)["Body"].read() == b"kept"
                break
            except (ClientError, BotoCoreError):
                if time.monotonic() > deadline:
                    raise
                time.sleep(1)
    finally:
        app.delete_object(Bucket=buckets[0], Key=key)
