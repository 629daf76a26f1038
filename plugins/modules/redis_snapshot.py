#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_snapshot
short_description: Take a Redis RDB snapshot with BGSAVE and wait until it is on disk
version_added: 0.4.0
description:
  - Starts C(BGSAVE SCHEDULE) and waits until a background save that started after the call has
    finished (C(INFO persistence) C(rdb_saves) grew, C(rdb_bgsave_in_progress:0)), then fails unless
    C(rdb_last_bgsave_status) is C(ok). The RDB file (C(CONFIG GET dir), C(dbfilename)) then holds one
    consistent point-in-time snapshot of every database of the server.
  - A save already running when the module starts is waited for first (it may have begun before
    the call), so the snapshot is never older than the call.
  - Returns where the file is, so that a later task can copy it out (for example C(docker exec <container>
    cat <path>) streamed by M(multidb.platform.backup_object)), and the server's version.
  - Needs C(BGSAVE), C(INFO) and C(CONFIG GET) (an administrative user); not on managed services
    that forbid them (ElastiCache has its own snapshots).
  - In check mode no save is started; the version and the file's path are still read.
options:
  timeout:
    description: Seconds to wait for the save to finish.
    type: int
    default: 600
  poll_interval:
    description: Seconds between two looks at C(INFO persistence).
    type: float
    default: 0.5
extends_documentation_fragment:
  - multidb.platform.redis
requirements:
  - redis (Python) >= 4.0
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Snapshot the server
  multidb.platform.redis_snapshot:
    login_password: "{{ redis_admin_password }}"
  register: snapshot
  no_log: true

- name: Stream the snapshot into the backup target
  multidb.platform.backup_object:
    bucket: backups
    key: multidb/redis/20261204T060000Z/dump.rdb
    command: [docker, exec, multidb-redis, cat, "{{ snapshot.path }}"]
"""

RETURN = r"""
version:
  description: The server's version (C(INFO server) C(redis_version)).
  returned: always
  type: str
path:
  description: The RDB file on the server's host (C(dir)/C(dbfilename)).
  returned: always
  type: str
  sample: /data/dump.rdb
dir:
  description: The server's working directory (C(CONFIG GET dir)).
  returned: always
  type: str
dbfilename:
  description: The RDB file's name (C(CONFIG GET dbfilename)).
  returned: always
  type: str
lastsave:
  description: Unix time of the save (C(LASTSAVE)); the time of the check in check mode.
  returned: always
  type: int
keys:
  description: Keys of all databases right after the save (C(INFO keyspace)), for the record.
  returned: always
  type: int
seconds:
  description: How long the save took (C(rdb_last_bgsave_time_sec)).
  returned: changed
  type: int
aof_enabled:
  description: Whether the server also writes an append-only file.
  returned: always
  type: bool
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.redis_common import redis_argument_spec, redis_client

try:
    import redis
except ImportError:
    pass  # redis_client fails the module, naming the library


def _text(value):
    return value.decode("utf-8", "replace") if isinstance(value, bytes) else value


def _config(client, name):
    raw = client.execute_command("CONFIG", "GET", name)
    if isinstance(raw, dict):
        return _text(raw.get(name.encode(), raw.get(name, "")))
    return _text(raw[1]) if len(raw) > 1 else ""


def _keys(client):
    return sum(db.get("keys", 0) for db in client.info("keyspace").values() if isinstance(db, dict))


def main():
    module = AnsibleModule(
        argument_spec=redis_argument_spec(
            timeout=dict(type="int", default=600),
            poll_interval=dict(type="float", default=0.5),
        ),
        supports_check_mode=True,
    )
    p = module.params
    where = "%s:%s" % (p["login_host"], p["login_port"])
    deadline = time.monotonic() + p["timeout"]

    client = redis_client(module, socket_timeout=30)  # connects at its first command
    try:
        version = _text(client.info("server")["redis_version"])
        rdb_dir, dbfilename = _config(client, "dir"), _config(client, "dbfilename")
        result = dict(changed=False, version=version, dir=rdb_dir, dbfilename=dbfilename,
                      path=rdb_dir.rstrip("/") + "/" + dbfilename,
                      aof_enabled=bool(client.info("persistence").get("aof_enabled")))
        if module.check_mode:
            module.exit_json(lastsave=int(time.time()), keys=_keys(client), **dict(result, changed=True))

        def persistence():
            info = client.info("persistence")
            if time.monotonic() > deadline:
                module.fail_json(msg="Redis at %s: the RDB save did not finish within %ss (rdb_bgsave_in_progress=%s, "
                                     "aof_rewrite_in_progress=%s)" % (where, p["timeout"], info.get("rdb_bgsave_in_progress"),
                                                                      info.get("aof_rewrite_in_progress")))
            return info

        # A save already running may have forked before this call: wait for it, then ask for ours.
        info = persistence()
        while info.get("rdb_bgsave_in_progress"):
            time.sleep(p["poll_interval"])
            info = persistence()
        # rdb_saves (Redis 7+) counts finished saves; older servers: LASTSAVE moves.
        saves_before, lastsave_before = info.get("rdb_saves"), int(client.lastsave().timestamp())
        try:
            # SCHEDULE: while an AOF rewrite runs the save starts right after it instead of failing.
            client.execute_command("BGSAVE", "SCHEDULE")
        except redis.exceptions.ResponseError as e:
            # A save that an automatic `save` rule started since the look above is as good as ours.
            if "already in progress" not in str(e):
                raise
        while True:
            time.sleep(p["poll_interval"])
            info = persistence()
            if info.get("rdb_bgsave_in_progress"):
                continue
            if saves_before is not None:
                if info.get("rdb_saves", 0) > saves_before:
                    break
            elif int(client.lastsave().timestamp()) > lastsave_before:
                break
        if info.get("rdb_last_bgsave_status") != "ok":
            module.fail_json(msg="Redis at %s: the background save failed (rdb_last_bgsave_status=%s); see the server's "
                                 "log (disk full, fork refused for want of memory?)" % (where, info.get("rdb_last_bgsave_status")),
                             **result)
        result.update(changed=True, lastsave=int(client.lastsave().timestamp()), keys=_keys(client),
                      seconds=info.get("rdb_last_bgsave_time_sec"))
    except redis.exceptions.RedisError as e:
        module.fail_json(msg="Redis at %s: cannot take an RDB snapshot: %s" % (where, e))
    module.exit_json(**result)


if __name__ == "__main__":
    main()
