#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: weaviate_backup
short_description: Create or restore a Weaviate backup with Weaviate's backup API and wait for it
version_added: 0.4.0
description:
  - Drives Weaviate's own backup API (C(/v1/backups/{backend})) on a backup module enabled in the server
    (C(ENABLE_MODULES)), and waits until the operation has finished.
  - Every call first reads C(/v1/meta); the server's version and the backend module's settings are returned
    (RV(version), RV(backups_path)), and a backend that is not enabled fails with the variable to set.
  - O(state=created) creates backup O(id) of every collection and waits for C(SUCCESS). A backup with that id
    that exists already is waited for if it is running and reported unchanged if it succeeded; one that
    failed fails the task. The collections it holds are in RV(collections).
  - O(state=restored) restores backup O(id) (it must be in the backend) and waits for C(SUCCESS). Weaviate
    refuses to restore a collection that exists, so the collections of the backup that exist are
    B(deleted first) (RV(deleted)); collections that are not in the backup are left alone. Roles and users
    are restored only with O(restore_rbac). A restore always reports a change.
  - In check mode nothing is created, deleted or restored; O(state=restored) reports which collections it
    would delete (from the backup when the backend has it, else from O(collections)).
options:
  backend:
    description: Backup backend, the name of the module without C(backup-) (C(filesystem), C(s3), C(gcs), C(azure)).
    type: str
    default: filesystem
  id:
    description: Backup id (lower-case letters, digits, C(_) and C(-)).
    type: str
    required: true
  state:
    description: Create the backup, or restore it.
    type: str
    choices: [created, restored]
    default: created
  collections:
    description:
      - O(state=restored) the collections the backup holds (its manifest), used when the backend does not
        hold the backup yet (check mode, before it was staged). The backend's own list wins when it has the backup.
    type: list
    elements: str
    default: []
  restore_rbac:
    description: O(state=restored) also restores the backup's roles and users (C(rolesOptions), C(usersOptions) C(all)).
    type: bool
    default: false
  wait_timeout:
    description: Seconds to wait for the backup or restore to finish.
    type: int
    default: 3600
  poll_interval:
    description: Seconds between two status reads.
    type: int
    default: 2
extends_documentation_fragment:
  - multidb.platform.weaviate
notes:
  - Supports check mode.
  - Only one backup or restore runs at a time in a Weaviate cluster; the server refuses a second one.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Back up every collection into the server's backup directory
  multidb.platform.weaviate_backup:
    url: http://127.0.0.1:8080
    api_key: "{{ weaviate_admin_api_key }}"
    id: multidb-20261204t060000z
  register: backup

- name: Restore it (the collections it holds are deleted first)
  multidb.platform.weaviate_backup:
    url: http://127.0.0.1:8080
    api_key: "{{ weaviate_admin_api_key }}"
    id: multidb-20261204t060000z
    state: restored
"""

RETURN = r"""
version:
  description: The server's version (C(/v1/meta)).
  returned: always
  type: str
backups_path:
  description: O(backend=filesystem) the directory of the backups inside the server (C(BACKUP_FILESYSTEM_PATH)).
  returned: always
  type: str
status:
  description: Final status of the operation (C(SUCCESS)); in check mode the status it had, or C(none).
  returned: always
  type: str
path:
  description: Where the backend keeps the backup (a directory for C(filesystem)); empty in check mode before it exists.
  returned: always
  type: str
collections:
  description: The collections the backup holds.
  returned: always
  type: list
  elements: str
deleted:
  description: O(state=restored) the existing collections deleted before the restore (in check mode, that would be).
  returned: always
  type: list
  elements: str
"""

import re
import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)

ID = re.compile(r"^[a-z0-9_-]+$")
RUNNING = ("STARTED", "TRANSFERRING", "TRANSFERRED", "FINALIZING")


def _meta(module, api, backend):
    _status, meta = api.request("GET", "/v1/meta")
    settings = ((meta or {}).get("modules") or {}).get("backup-" + backend)
    if settings is None:
        module.fail_json(msg="the backup-%s module is not enabled in Weaviate %s (ENABLE_MODULES; for filesystem also "
                             "BACKUP_FILESYSTEM_PATH, terraform/modules/weaviate/local)"
                             % (backend, (meta or {}).get("version", "")))
    return (meta or {}).get("version", ""), (settings or {}).get("backupsPath", "")


def _listed(api, backend, backup_id):
    """The backend's own entry for the backup (its collections), or None."""
    _status, listing = api.request("GET", "/v1/backups/%s" % backend)
    for entry in listing or []:
        if entry.get("id") == backup_id:
            return entry
    return None


def _wait(module, api, path, what):
    deadline = time.monotonic() + module.params["wait_timeout"]
    while True:
        _status, body = api.request("GET", path)
        state = (body or {}).get("status", "")
        if state == "SUCCESS":
            return body
        if state not in RUNNING:
            module.fail_json(msg="%s %s ended with status %s: %s" % (what, module.params["id"], state,
                                                                   (body or {}).get("error", "")))
        if time.monotonic() > deadline:
            module.fail_json(msg="%s %s is still %s after %ss (wait_timeout); it goes on in the server"
                                 % (what, module.params["id"], state, module.params["wait_timeout"]))
        time.sleep(module.params["poll_interval"])


def create(module, api, result):
    backend, backup_id = module.params["backend"], module.params["id"]
    status, current = api.request("GET", "/v1/backups/%s/%s" % (backend, backup_id), ok=(200, 404))
    if status == 200 and (current or {}).get("status") not in RUNNING + ("SUCCESS",):
        module.fail_json(msg="backup %s exists with status %s: %s (remove it from the backend or use another id)"
                         % (backup_id, current.get("status"), current.get("error", "")), **result)
    if status == 404:
        result["changed"] = True
        if module.check_mode:
            return
        _status, started = api.request("POST", "/v1/backups/%s" % backend, {"id": backup_id})
        result["collections"] = sorted((started or {}).get("classes") or [])
    done = _wait(module, api, "/v1/backups/%s/%s" % (backend, backup_id), "backup")
    result.update(status=done.get("status"), path=done.get("path", ""))
    if not result["collections"]:
        result["collections"] = sorted((_listed(api, backend, backup_id) or {}).get("classes") or [])


def restore(module, api, result):
    backend, backup_id = module.params["backend"], module.params["id"]
    entry = _listed(api, backend, backup_id)
    if entry is None and not (module.check_mode and module.params["collections"]):
        module.fail_json(msg="backup %s is not in the %s backend of the server" % (backup_id, backend), **result)
    if entry is not None and entry.get("status") != "SUCCESS":
        module.fail_json(msg="backup %s has status %s, not SUCCESS: it cannot be restored"
                         % (backup_id, entry.get("status")), **result)
    result["collections"] = sorted((entry or {}).get("classes") or module.params["collections"])
    _status, schema = api.request("GET", "/v1/schema")
    live = set(c["class"] for c in (schema or {}).get("classes") or [])
    result["deleted"] = [c for c in result["collections"] if c in live]
    result["changed"] = True
    if module.check_mode:
        return
    # Weaviate refuses to restore a collection that exists: the backup's collections go first.
    for name in result["deleted"]:
        api.request("DELETE", "/v1/schema/%s" % name)
    option = "all" if module.params["restore_rbac"] else "noRestore"
    api.request("POST", "/v1/backups/%s/%s/restore" % (backend, backup_id),
                {"config": {"rolesOptions": option, "usersOptions": option}, "overwriteAlias": True})
    done = _wait(module, api, "/v1/backups/%s/%s/restore" % (backend, backup_id), "restore of backup")
    result.update(status=done.get("status"), path=done.get("path", ""))


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "api_key",
            backend=dict(type="str", default="filesystem"),
            id=dict(type="str", required=True),
            state=dict(type="str", default="created", choices=["created", "restored"]),
            collections=dict(type="list", elements="str", default=[]),
            restore_rbac=dict(type="bool", default=False),
            wait_timeout=dict(type="int", default=3600),
            poll_interval=dict(type="int", default=2),
        ),
        supports_check_mode=True,
    )
    if not ID.match(module.params["id"]):
        module.fail_json(msg="backup id %r: only lower-case letters, digits, _ and - (Weaviate's rule)"
                         % module.params["id"])
    api = BearerApi(module, "api_key")
    result = {"changed": False, "version": "", "backups_path": "", "status": "none", "path": "",
              "collections": [], "deleted": []}
    try:
        result["version"], result["backups_path"] = _meta(module, api, module.params["backend"])
        if module.params["state"] == "created":
            create(module, api, result)
        else:
            restore(module, api, result)
    except ApiError as e:
        module.fail_json(msg=str(e), **result)
    module.exit_json(**result)


if __name__ == "__main__":
    main()
