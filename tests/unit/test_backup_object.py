"""Unit tier: multidb.platform.backup_object against a real S3 API (moto's server on a port the OS
chose; no Docker) and the backups_expired filter. One playbook runs every case: a command's
output streamed into an object (size and SHA-256), a failing command leaves no object, a manifest
written once (unchanged content is no change), verification (one object, many, one byte flipped),
a restore into a command's stdin, a bucket copied (all, or a manifest's objects with their
checksums), deletion of a prefix and of one key, and check mode running and writing nothing."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(REPO / "tests"))
from conftest import aws_client, moto_server  # noqa: E402

_spec = importlib.util.spec_from_file_location("backups_filter", REPO / "plugins/filter/backups.py")
bf = importlib.util.module_from_spec(_spec)
_spec.loader.exec_module(bf)

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  module_defaults:
    multidb.platform.backup_object: &s3
      endpoint_url: "{{ lookup('ansible.builtin.env', 'S3') }}"
      region: us-east-1
      access_key_id: testing
      secret_access_key: testing
      bucket: target
  vars:
    out: "{{ lookup('ansible.builtin.env', 'OUT') }}"
  tasks:
    - {name: stream, multidb.platform.backup_object: {key: b/data.bin, command: [head, -c, "9000000", /dev/urandom]},
       register: stream}
    - {name: failing command, multidb.platform.backup_object: {key: b/bad, command: [sh, -c, "echo part; exit 3"]},
       register: failing, ignore_errors: true}
    - {name: secret in env, multidb.platform.backup_object: {key: b/env, command: [sh, -c, 'printf %s "$TOKEN" | wc -c'],
       environment: {TOKEN: s3cr3t-value}}, register: env}
    - {name: manifest, multidb.platform.backup_object: {key: b/manifest.json, content: '{"a": 1}'}, register: m1}
    - {name: manifest again, multidb.platform.backup_object: {key: b/manifest.json, content: '{"a": 1}'}, register: m2}
    - {name: verify, multidb.platform.backup_object: {key: b/data.bin, state: verified, size: "{{ stream.size }}",
       sha256: "{{ stream.sha256 }}"}, register: verified}
    - {name: verify many, multidb.platform.backup_object: {state: verified, objects: [
        {key: b/data.bin, size: "{{ stream.size }}", sha256: "{{ stream.sha256 }}"},
        {key: b/manifest.json, size: "{{ m1.size }}", sha256: "{{ m1.sha256 }}"}]}, register: verified_many}
    - {name: verify wrong, multidb.platform.backup_object: {key: b/data.bin, state: verified, size: "{{ stream.size }}",
       sha256: "{{ '0' * 64 }}"}, register: wrong, ignore_errors: true}
    - {name: missing, multidb.platform.backup_object: {key: b/none, state: read}, register: missing, ignore_errors: true}
    - {name: restore, multidb.platform.backup_object: {key: b/data.bin, state: restored, sha256: "{{ stream.sha256 }}",
       command: [sh, -c, "cat > {{ out }}/restored.bin"]}, register: restored}
    - {name: copy all, multidb.platform.backup_object: {prefix: copy/, state: copied,
       source: {endpoint_url: "{{ lookup('ansible.builtin.env', 'S3') }}", access_key_id: testing,
                secret_access_key: testing, bucket: target, prefix: b/}}, register: copied}
    - {name: copy listed, multidb.platform.backup_object: {prefix: again/, state: copied,
       objects: [{key: copy/manifest.json, sha256: "{{ m1.sha256 }}", size: 8}, {key: elsewhere/x, sha256: x, size: 1}],
       source: {endpoint_url: "{{ lookup('ansible.builtin.env', 'S3') }}", access_key_id: testing,
                secret_access_key: testing, bucket: target, prefix: copy/}}, register: copied_listed}
    - {name: check upload, multidb.platform.backup_object: {key: c/never, command: [touch, "{{ out }}/ran"]},
       check_mode: true, register: check_upload}
    - {name: check absent, multidb.platform.backup_object: {prefix: copy/, state: absent}, check_mode: true,
       register: check_absent}
    - {name: absent, multidb.platform.backup_object: {prefix: copy/, state: absent}, register: absent}
    - {name: absent key, multidb.platform.backup_object: {key: b/env, state: absent}, register: absent_key}
    - {name: absent key again, multidb.platform.backup_object: {key: b/env, state: absent}, register: absent_key2}
    - {name: list, multidb.platform.backup_object: {prefix: "", state: listed}, register: listing}
    - name: results
      ansible.builtin.copy:
        dest: "{{ out }}/results.json"
        content: >-
          {{ {'stream': stream, 'failing': failing, 'env': env, 'm1': m1, 'm2': m2, 'verified': verified,
              'verified_many': verified_many, 'wrong': wrong, 'missing': missing, 'restored': restored,
              'copied': copied, 'copied_listed': copied_listed, 'check_upload': check_upload,
              'check_absent': check_absent, 'absent': absent, 'absent_key': absent_key, 'absent_key2': absent_key2,
              'listing': listing} | to_json }}
"""

ENV = {"AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing", "AWS_DEFAULT_REGION": "us-east-1"}


def test_backup_object_against_s3(tmp_path):
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    with moto_server() as endpoint:
        s3 = aws_client("s3", endpoint, ENV)
        s3.create_bucket(Bucket="target")
        env = dict(os.environ, S3=endpoint, OUT=str(tmp_path), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"),
                   ANSIBLE_NOCOLOR="1")
        proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-e",
                               f"ansible_python_interpreter={sys.executable}", str(playbook)],
                              cwd=REPO, env=env, capture_output=True, text=True, timeout=300)
        assert proc.returncode == 0, proc.stdout + proc.stderr
        r = json.loads((tmp_path / "results.json").read_text())
        data = s3.get_object(Bucket="target", Key="b/data.bin")["Body"].read()
        keys = sorted(o["Key"] for o in s3.list_objects_v2(Bucket="target").get("Contents", []))

    assert r["stream"]["changed"] and r["stream"]["size"] == 9_000_000 == len(data)
    assert r["stream"]["sha256"] == hashlib.sha256(data).hexdigest()
    assert r["failing"]["failed"] and "exited with 3" in r["failing"]["msg"] and "b/bad" not in keys
    assert "s3cr3t-value" not in json.dumps(r["env"]) and r["env"]["size"] == 3  # "12\n": the value reached it
    assert r["m1"]["changed"] and not r["m2"]["changed"]
    assert not r["verified"]["changed"] and r["verified"]["sha256"] == r["stream"]["sha256"]
    assert len(r["verified_many"]["objects"]) == 2
    assert r["wrong"]["failed"] and "b/data.bin does not match its manifest" in r["wrong"]["msg"]
    assert r["missing"]["failed"] and "cannot read b/none: no such object" in r["missing"]["msg"]
    assert (tmp_path / "restored.bin").read_bytes() == data
    assert sorted(o["key"] for o in r["copied"]["objects"]) == ["copy/data.bin", "copy/env", "copy/manifest.json"]
    assert [o["key"] for o in r["copied_listed"]["objects"]] == ["again/manifest.json"]
    assert r["check_upload"]["changed"] and not (tmp_path / "ran").exists() and "c/never" not in keys
    assert r["check_absent"]["changed"] and len(r["check_absent"]["objects"]) == 3
    assert r["absent"]["changed"] and r["absent_key"]["changed"] and not r["absent_key2"]["changed"]
    assert keys == ["again/manifest.json", "b/data.bin", "b/manifest.json"]


@pytest.mark.parametrize("names, now, days, expired", [
    (["20261120T000000Z", "20261127T000000Z", "20261127T000001Z", "20261203T000000Z"], "20261204T000000Z", 7,
     ["20261120T000000Z"]),
    (["20261203T235959Z"], "20261204T000000Z", 1, []),
    ([], "20261204T000000Z", 7, []),
])
def test_backups_expired(names, now, days, expired):
    assert bf.backups_expired(names, now, days) == expired


def test_backups_abandoned_by_hours():
    assert bf.backups_expired(["20261203T110000Z", "20261203T130000Z"], "20261204T000000Z", hours=12) == [
        "20261203T110000Z"]


@pytest.mark.parametrize("names, now, days, words", [
    (["yesterday"], "20261204T000000Z", 7, "'yesterday' is not a backup name"),
    ([], "20261204T000000Z", 0, "at least 1 hour"),
])
def test_backups_expired_refuses(names, now, days, words):
    with pytest.raises(Exception, match=words):
        bf.backups_expired(names, now, days)


def test_backup_prefixes():
    keys = ["p/postgres/20261204T000000Z/app.dump", "p/postgres/20261204T000000Z/manifest.json",
            "p/index/20261204T000000Z.json", "p/redis/20261203T000000Z/dump.rdb", "p/notes.txt", "q/redis/20261203T000000Z/x",
            "p/redis/yesterday/x"]
    assert bf.backup_prefixes(keys, "p") == [
        {"service": "postgres", "timestamp": "20261204T000000Z", "prefix": "p/postgres/20261204T000000Z/"},
        {"service": "redis", "timestamp": "20261203T000000Z", "prefix": "p/redis/20261203T000000Z/"}]


def test_backups_with():
    prefixes = bf.backup_prefixes(["p/a/20261201T000000Z/manifest.json", "p/b/20261201T000000Z/manifest.json",
                                   "p/a/20261202T000000Z/manifest.json"], "p")
    assert bf.backups_with(prefixes, ["a", "b"]) == ["20261201T000000Z"]
    assert bf.backups_with(prefixes, ["a"]) == ["20261201T000000Z", "20261202T000000Z"]
    assert bf.backups_with(prefixes, []) == ["20261201T000000Z", "20261202T000000Z"]
