#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: backup_object
short_description: Stream a backup between a command and an S3 object, with its size and SHA-256
version_added: 0.4.0
description:
  - The object store side of C(playbooks/backup.yml) and C(playbooks/restore.yml), on any S3 endpoint
    (the instance's Garage, another instance's, AWS S3, a moto server).
  - O(state=uploaded) with O(command) runs the command (an argument vector, no shell) and streams its
    standard output into the object as a multipart upload, with no second copy on the local disk. The result
    has the object's size and SHA-256, computed on the way. A command that exits non-zero leaves no
    object behind. With O(content) it writes a small object (a manifest) instead; unchanged content is no change.
  - O(state=verified) reads the whole object and fails, naming the key, unless its size and SHA-256 are
    O(size) and O(sha256) (a restore checks every object this way before it changes anything).
  - O(state=restored) streams the object into the standard input of O(command), checking its SHA-256 on
    the way (the command's own exit code decides success).
  - O(state=copied) copies every object under the O(source) bucket's prefix (or only O(objects), checking each
    one's SHA-256 on the way) to O(prefix) of O(bucket), streamed from endpoint to endpoint (an object store's
    own buckets into the backup target, and back).
  - O(state=verified) with O(objects) checks many objects in one go, each against its own size and SHA-256.
  - O(state=read) returns a small object's text (manifests, indexes); O(state=listed) the keys under
    O(prefix); O(state=absent) deletes every object under O(prefix) (an incomplete backup), or the object O(key).
  - Secrets for the command go in O(environment), never in O(command), which is in the task's result;
    C(docker exec -e NAME) passes a variable of that environment into a container without its value.
  - In check mode nothing is run, uploaded or deleted; reads, lists and verifications run (they change nothing).
options:
  endpoint_url:
    description: S3 endpoint URL; empty for AWS S3 itself.
    type: str
    default: ""
  region:
    description: Region the requests are signed for.
    type: str
    default: us-east-1
  access_key_id:
    description: Access key; empty to use boto3's own credential chain (AWS).
    type: str
    default: ""
  secret_access_key:
    description: Secret of O(access_key_id).
    type: str
    default: ""
  bucket:
    description: The bucket.
    type: str
    required: true
  key:
    description: The object (O(state=uploaded), O(state=verified), O(state=restored), O(state=read)).
    type: str
  prefix:
    description: Key prefix (O(state=listed), O(state=absent)); must end with C(/) for O(state=absent).
    type: str
  state:
    description: What to do (see the description).
    type: str
    choices: [uploaded, verified, restored, copied, read, listed, absent]
    default: uploaded
  source:
    description: Where O(state=copied) copies from (the same keys as this module's connection, and a prefix).
    type: dict
    suboptions:
      endpoint_url: {description: S3 endpoint URL; empty for AWS S3., type: str, default: ""}
      region: {description: Region the requests are signed for., type: str, default: us-east-1}
      access_key_id: {description: Access key., type: str, default: ""}
      secret_access_key: {description: Secret of the access key., type: str, default: ""}
      bucket: {description: The bucket., type: str, required: true}
      prefix: {description: Key prefix copied (replaced by O(prefix) in the copies)., type: str, default: ""}
  objects:
    description:
      - O(state=verified) and O(state=copied), the objects, each C(key), C(size) and C(sha256). For O(state=copied)
        only those under the source's prefix are copied (a whole manifest can be passed, bucket by bucket).
    type: list
    elements: dict
  command:
    description: Argument vector whose standard output is uploaded, or whose standard input is the object.
    type: list
    elements: str
  environment:
    description: Variables added to the command's environment (secrets go here; never in the result).
    type: dict
    default: {}
  content:
    description: Text of a small object to write (O(state=uploaded) without O(command)).
    type: str
  sha256:
    description: Expected SHA-256 (hex) of the object (O(state=verified), O(state=restored)).
    type: str
  size:
    description: Expected size in bytes (O(state=verified)).
    type: int
attributes:
  check_mode:
    support: full
  diff_mode:
    support: none
  platform:
    platforms: posix
requirements:
  - boto3
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Stream pg_dump into the backups bucket
  multidb.platform.backup_object:
    endpoint_url: http://127.0.0.1:3900
    region: garage
    access_key_id: "{{ key_id }}"
    secret_access_key: "{{ secret }}"
    bucket: backups
    key: multidb/postgres/20261204T060000Z/app.dump
    command: [docker, exec, -e, PGPASSWORD, multidb-postgres, pg_dump, -Fc, -U, postgres, app]
    environment:
      PGPASSWORD: "{{ postgres_admin_password }}"
  no_log: false

- name: Check an object against its manifest entry
  multidb.platform.backup_object:
    bucket: backups
    key: multidb/postgres/20261204T060000Z/app.dump
    state: verified
    size: 123456
    sha256: "{{ entry.sha256 }}"
"""

RETURN = r"""
key:
  description: The object.
  returned: uploaded, verified, restored, read
  type: str
size:
  description: Size of the object in bytes.
  returned: uploaded, verified, restored
  type: int
sha256:
  description: SHA-256 of the object (hex).
  returned: uploaded, verified, restored
  type: str
content:
  description: Text of the object.
  returned: read
  type: str
objects:
  description:
    - The objects under O(prefix), each C(key), C(size), C(last_modified) (ISO 8601).
    - For O(state=copied) each copy's C(key), C(size), C(sha256) and C(source_key).
  returned: listed, absent, copied
  type: list
  elements: dict
"""

import hashlib
import os
import subprocess
import tempfile

from ansible.module_utils.basic import AnsibleModule, missing_required_lib

try:
    import boto3
    from boto3.s3.transfer import TransferConfig
    from botocore.config import Config
    from botocore.exceptions import BotoCoreError, ClientError
    HAS_BOTO3 = True
except ImportError:  # pragma: no cover - reported by the module
    HAS_BOTO3 = False

CHUNK = 1024 * 1024
READ_LIMIT = 4 * 1024 * 1024


class HashingReader:
    """A file object over a stream that counts and hashes what is read from it."""

    def __init__(self, stream):
        self.stream = stream
        self.sha256 = hashlib.sha256()
        self.size = 0

    def read(self, n=-1):
        data = self.stream.read(n if n and n > 0 else CHUNK)
        self.sha256.update(data)
        self.size += len(data)
        return data


def tail(path, limit=2000):
    with open(path, "rb") as handle:
        handle.seek(0, os.SEEK_END)
        handle.seek(max(0, handle.tell() - limit))
        return handle.read().decode("utf-8", "replace").strip()


class Store:
    def __init__(self, module, p=None):
        p = p or module.params
        self.module = module
        self.bucket = p["bucket"]
        kwargs = {"region_name": p["region"],
                  "config": Config(s3={"addressing_style": "path"}, retries={"max_attempts": 3, "mode": "standard"},
                                   connect_timeout=10, read_timeout=120,
                                   # third-party S3 (Garage) does not all speak the newer default checksums
                                   request_checksum_calculation="when_required",
                                   response_checksum_validation="when_required")}
        if p["endpoint_url"]:
            kwargs["endpoint_url"] = p["endpoint_url"]
        if p["access_key_id"]:
            kwargs["aws_access_key_id"] = p["access_key_id"]
            kwargs["aws_secret_access_key"] = p["secret_access_key"]
        self.where = f"s3://{self.bucket} at {p['endpoint_url'] or 'AWS S3'}"
        self.client = boto3.client("s3", **kwargs)

    def fail(self, msg, **extra):
        self.module.fail_json(msg=msg, **extra)

    def error(self, action, err):
        code = getattr(err, "response", {}).get("Error", {}).get("Code", "")
        if code in ("NoSuchKey", "404", "NotFound"):
            self.fail(f"{action}: no such object in {self.where}")
        if code == "NoSuchBucket":
            self.fail(f"{action}: the bucket does not exist ({self.where})")
        self.fail(f"{action}: the object store {self.where} refused or did not answer: {err}")

    def get(self, key):
        try:
            return self.client.get_object(Bucket=self.bucket, Key=key)
        except (BotoCoreError, ClientError) as err:
            self.error(f"cannot read {key}", err)

    def listing(self, prefix):
        objects = []
        try:
            for page in self.client.get_paginator("list_objects_v2").paginate(Bucket=self.bucket, Prefix=prefix):
                for item in page.get("Contents", []):
                    objects.append({"key": item["Key"], "size": item["Size"],
                                    "last_modified": item["LastModified"].isoformat()})
        except (BotoCoreError, ClientError) as err:
            self.error(f"cannot list {prefix}", err)
        return objects


def run_upload(module, store, key):
    p = module.params
    env = dict(os.environ, **{k: str(v) for k, v in p["environment"].items()})
    with tempfile.TemporaryFile() as stderr:
        proc = subprocess.Popen(p["command"], stdout=subprocess.PIPE, stderr=stderr, env=env)  # noqa: S603
        reader = HashingReader(proc.stdout)
        try:
            store.client.upload_fileobj(reader, store.bucket, key,
                                        Config=TransferConfig(multipart_chunksize=16 * CHUNK, use_threads=False))
        except (BotoCoreError, ClientError) as err:
            proc.kill()
            proc.wait()
            store.error(f"cannot upload {key}", err)
        finally:
            proc.stdout.close()
        rc = proc.wait()
        if rc != 0:
            stderr.flush()
            stderr.seek(0)
            message = stderr.read()[-2000:].decode("utf-8", "replace").strip()
            try:
                store.client.delete_object(Bucket=store.bucket, Key=key)
            except (BotoCoreError, ClientError):
                pass
            store.fail(f"{p['command'][0]} exited with {rc} while streaming into {key} (object removed): {message}",
                       rc=rc)
    return {"changed": True, "key": key, "size": reader.size, "sha256": reader.sha256.hexdigest()}


def run_restore(module, store, key):
    p = module.params
    env = dict(os.environ, **{k: str(v) for k, v in p["environment"].items()})
    body = store.get(key)["Body"]
    digest = hashlib.sha256()
    size = 0
    with tempfile.NamedTemporaryFile() as output:
        proc = subprocess.Popen(p["command"], stdin=subprocess.PIPE, stdout=output, stderr=subprocess.STDOUT,  # noqa: S603
                                env=env)
        broken = False
        try:
            for chunk in body.iter_chunks(CHUNK):
                digest.update(chunk)
                size += len(chunk)
                if not broken:
                    try:
                        proc.stdin.write(chunk)
                    except BrokenPipeError:
                        broken = True
        except (BotoCoreError, ClientError) as err:
            proc.kill()
            proc.wait()
            store.error(f"cannot read {key}", err)
        finally:
            try:
                proc.stdin.close()
            except BrokenPipeError:
                pass
        rc = proc.wait()
        output.flush()
        if rc != 0:
            store.fail(f"{p['command'][0]} exited with {rc} while restoring {key}: {tail(output.name)}", rc=rc)
    if p["sha256"] and digest.hexdigest() != p["sha256"]:
        store.fail(f"{key} has SHA-256 {digest.hexdigest()}, the manifest says {p['sha256']}: it was changed "
                   "while it was restored")
    return {"changed": True, "key": key, "size": size, "sha256": digest.hexdigest()}


def run_copy(module, store):
    p = module.params
    source_params = p["source"]
    source = Store(module, source_params)
    src_prefix = source_params["prefix"]
    if p["objects"] is not None:
        # full keys of the source: those under its prefix are copied (a manifest's list, bucket by bucket)
        wanted = [o for o in p["objects"] if o["key"].startswith(src_prefix)]
    else:
        wanted = [{"key": o["key"], "size": o["size"]} for o in source.listing(src_prefix)]
    if module.check_mode:
        return {"changed": bool(wanted), "objects": [{"key": p["prefix"] + o["key"][len(src_prefix):],
                                                      "source_key": o["key"]} for o in wanted]}
    copied = []
    for item in wanted:
        target_key = p["prefix"] + item["key"][len(src_prefix):]
        reader = HashingReader(source.get(item["key"])["Body"])
        try:
            store.client.upload_fileobj(reader, store.bucket, target_key,
                                        Config=TransferConfig(multipart_chunksize=16 * CHUNK, use_threads=False))
        except (BotoCoreError, ClientError) as err:
            store.error(f"cannot copy {item['key']} to {target_key}", err)
        digest = reader.sha256.hexdigest()
        if item.get("sha256") and digest != item["sha256"]:
            store.fail(f"{item['key']} has SHA-256 {digest}, the manifest says {item['sha256']}: it changed while it "
                       "was copied")
        copied.append({"key": target_key, "source_key": item["key"], "size": reader.size, "sha256": digest})
    return {"changed": bool(copied), "objects": copied}


def verify(module, store, key, size, sha256):
    digest = hashlib.sha256()
    length = 0
    body = store.get(key)["Body"]
    try:
        for chunk in body.iter_chunks(CHUNK):
            digest.update(chunk)
            length += len(chunk)
    except (BotoCoreError, ClientError) as err:
        store.error(f"cannot read {key}", err)
    if length != size or digest.hexdigest() != sha256:
        module.fail_json(msg=f"{key} does not match its manifest: {length} bytes with SHA-256 {digest.hexdigest()}, "
                             f"the manifest says {size} bytes with SHA-256 {sha256}",
                         key=key, size=length, sha256=digest.hexdigest())
    return {"key": key, "size": length, "sha256": digest.hexdigest()}


def main():
    module = AnsibleModule(
        argument_spec=dict(
            endpoint_url=dict(type="str", default=""),
            region=dict(type="str", default="us-east-1"),
            access_key_id=dict(type="str", default="", no_log=False),
            secret_access_key=dict(type="str", default="", no_log=True),
            bucket=dict(type="str", required=True),
            key=dict(type="str", no_log=False),
            prefix=dict(type="str"),
            state=dict(type="str", default="uploaded",
                       choices=["uploaded", "verified", "restored", "copied", "read", "listed", "absent"]),
            source=dict(type="dict", options=dict(
                endpoint_url=dict(type="str", default=""),
                region=dict(type="str", default="us-east-1"),
                access_key_id=dict(type="str", default="", no_log=False),
                secret_access_key=dict(type="str", default="", no_log=True),
                bucket=dict(type="str", required=True),
                prefix=dict(type="str", default=""),
            )),
            objects=dict(type="list", elements="dict"),
            command=dict(type="list", elements="str"),
            environment=dict(type="dict", default={}, no_log=True),
            content=dict(type="str"),
            sha256=dict(type="str"),
            size=dict(type="int"),
        ),
        required_if=[
            ("state", "uploaded", ("key",)), ("state", "verified", ("key", "objects"), True),
            ("state", "copied", ("source", "prefix")),
            ("state", "restored", ("key", "command", "sha256")), ("state", "read", ("key",)),
            ("state", "listed", ("prefix",)), ("state", "absent", ("prefix", "key"), True),
        ],
        mutually_exclusive=[("command", "content")],
        supports_check_mode=True,
    )
    if not HAS_BOTO3:
        module.fail_json(msg=missing_required_lib("boto3"))
    p = module.params
    state, key = p["state"], p["key"]
    store = Store(module)

    if state == "uploaded":
        if p["command"] is None and p["content"] is None:
            module.fail_json(msg="state=uploaded needs command or content")
        if p["content"] is not None:
            data = p["content"].encode("utf-8")
            try:
                current = store.client.get_object(Bucket=store.bucket, Key=key)["Body"].read()
            except ClientError as err:
                if err.response.get("Error", {}).get("Code") not in ("NoSuchKey", "404"):
                    store.error(f"cannot read {key}", err)
                current = None
            except BotoCoreError as err:
                store.error(f"cannot read {key}", err)
            result = {"changed": current != data, "key": key, "size": len(data),
                      "sha256": hashlib.sha256(data).hexdigest()}
            if result["changed"] and not module.check_mode:
                try:
                    store.client.put_object(Bucket=store.bucket, Key=key, Body=data)
                except (BotoCoreError, ClientError) as err:
                    store.error(f"cannot write {key}", err)
            module.exit_json(**result)
        if module.check_mode:
            module.exit_json(changed=True, key=key)
        module.exit_json(**run_upload(module, store, key))

    if state == "verified":
        if p["objects"] is not None:
            checked = [verify(module, store, o["key"], int(o["size"]), o["sha256"]) for o in p["objects"]]
            module.exit_json(changed=False, objects=checked)
        if p["sha256"] is None or p["size"] is None:
            module.fail_json(msg="state=verified needs sha256 and size with key")
        module.exit_json(changed=False, **verify(module, store, key, p["size"], p["sha256"]))

    if state == "copied":
        module.exit_json(**run_copy(module, store))

    if state == "restored":
        if module.check_mode:
            module.exit_json(changed=True, key=key)
        module.exit_json(**run_restore(module, store, key))

    if state == "read":
        data = store.get(key)["Body"].read(READ_LIMIT + 1)
        if len(data) > READ_LIMIT:
            module.fail_json(msg=f"{key} is larger than {READ_LIMIT} bytes: not a manifest")
        module.exit_json(changed=False, key=key, content=data.decode("utf-8", "replace"),
                         sha256=hashlib.sha256(data).hexdigest(), size=len(data))

    if state == "absent" and p["prefix"] is None:
        try:
            store.client.head_object(Bucket=store.bucket, Key=key)
        except ClientError as err:
            if err.response.get("Error", {}).get("Code") in ("NoSuchKey", "404", "NotFound"):
                module.exit_json(changed=False, objects=[])
            store.error(f"cannot read {key}", err)
        except BotoCoreError as err:
            store.error(f"cannot read {key}", err)
        if not module.check_mode:
            try:
                store.client.delete_object(Bucket=store.bucket, Key=key)
            except (BotoCoreError, ClientError) as err:
                store.error(f"cannot delete {key}", err)
        module.exit_json(changed=True, objects=[{"key": key}])

    objects = store.listing(p["prefix"])
    if state == "listed":
        module.exit_json(changed=False, objects=objects)

    # absent
    if not p["prefix"].endswith("/"):
        module.fail_json(msg=f"prefix must end with '/' to delete under it, got {p['prefix']!r}")
    if objects and not module.check_mode:
        try:
            for start in range(0, len(objects), 1000):
                batch = objects[start:start + 1000]
                store.client.delete_objects(Bucket=store.bucket,
                                            Delete={"Objects": [{"Key": o["key"]} for o in batch], "Quiet": True})
        except (BotoCoreError, ClientError) as err:
            store.error(f"cannot delete under {p['prefix']}", err)
    module.exit_json(changed=bool(objects), objects=objects)


if __name__ == "__main__":
    main()
