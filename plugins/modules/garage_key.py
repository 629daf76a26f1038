#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: garage_key
short_description: A Garage access key with exactly the given permissions on the given buckets
version_added: 0.2.0
description:
  - Creates the key named O(name) when no key has that name (Garage generates it; a name held by several
    keys is refused, naming them), gives it O(permissions) on every bucket of O(buckets), takes away any
    permission on other buckets and owner rights it should not have, and forbids it to create buckets
    unless O(allow_create_bucket).
  - Writes the key ID and its secret to O(access_key_id_file) and O(secret_access_key_file) (0600) when they
    differ. Neither is returned or logged (the project keeps the key ID with the secrets). The files are a
    local copy of what Garage keeps. Writing a missing copy (into the empty state directory of an AWX job or of a
    second controller) is listed in RV(actions) but is not a change; replacing a copy that differs is.
  - In check mode it changes nothing and reports what it would do in RV(actions).
options:
  name:
    description: Name of the key.
    type: str
    required: true
  buckets:
    description: Global aliases of the buckets the key gets O(permissions) on.
    type: list
    elements: str
    required: true
  permissions:
    description: Its permissions on each of O(buckets).
    type: dict
    default: {read: true, write: true, owner: false}
    suboptions:
      read:
        description: Read objects.
        type: bool
        default: true
      write:
        description: Write objects.
        type: bool
        default: true
      owner:
        description: Owner rights (bucket settings, aliases).
        type: bool
        default: false
  allow_create_bucket:
    description: Whether the key may create buckets.
    type: bool
    default: false
  access_key_id_file:
    description: File the key ID is written to (0600).
    type: path
  secret_access_key_file:
    description: File the secret key is written to (0600).
    type: path
extends_documentation_fragment:
  - multidb.platform.garage
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Application key, read and write on its buckets only
  multidb.platform.garage_key:
    url: http://127.0.0.1:3903
    admin_token: "{{ objectstore_admin_token }}"
    name: app
    buckets: [documents, backups]
    access_key_id_file: "{{ state_dir }}/secrets/objectstore_app_access_key_id"
    secret_access_key_file: "{{ state_dir }}/secrets/objectstore_app_secret_access_key"
"""

RETURN = r"""
actions:
  description: What was done (in check mode, would be).
  returned: always
  type: list
  elements: str
"""

import os

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)


def _write(module, path, content, actions, what):
    """Write content to path (0600) when it differs. Returns True when that is a change: a copy
    that existed and differed (a missing copy is written, and listed, but is no change)."""
    try:
        with open(path) as f:
            same = f.read() == content
        same = same and (os.stat(path).st_mode & 0o777) == 0o600
        existed = True
    except OSError:
        same = existed = False
    if same:
        return False
    actions.append("%s %s to %s" % ("write" if existed else "copy", what, path))
    if module.check_mode:
        return existed
    # The directory may not exist yet (secrets kept in AWS Secrets Manager: no secret files).
    os.makedirs(os.path.dirname(path) or ".", mode=0o700, exist_ok=True)
    tmp = "%s.tmp-%d" % (path, os.getpid())
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.write(content)
    os.chmod(tmp, 0o600)
    os.replace(tmp, path)
    return existed


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "admin_token",
            name=dict(type="str", required=True),
            buckets=dict(type="list", elements="str", required=True),
            permissions=dict(type="dict", default={"read": True, "write": True, "owner": False}, options=dict(
                read=dict(type="bool", default=True),
                write=dict(type="bool", default=True),
                owner=dict(type="bool", default=False),
            )),
            allow_create_bucket=dict(type="bool", default=False),
            access_key_id_file=dict(type="path"),
            secret_access_key_file=dict(type="path"),
        ),
        required_together=[("access_key_id_file", "secret_access_key_file")],
        supports_check_mode=True,
    )
    p = module.params
    wanted = p["permissions"]
    api = BearerApi(module, "admin_token")
    actions = []
    key_id = ""
    try:
        _s, keys = api.request("GET", "/v2/ListKeys")
        named = [k["id"] for k in keys or [] if k.get("name") == p["name"]]
        if len(named) > 1:
            module.fail_json(msg="Several access keys are named '%s' (%s): delete the ones no application uses "
                                 "(garage key delete) so that the application's is known." % (p["name"], ", ".join(named)))
        if not named:
            actions.append("create key %s" % p["name"])
            if module.check_mode:
                actions.append("allow %s on %s" % (p["name"], ", ".join(p["buckets"])))
                module.exit_json(changed=True, actions=actions)
            _s, created = api.request("POST", "/v2/CreateKey", {
                "name": p["name"], "neverExpires": True, "deny": {"createBucket": not p["allow_create_bucket"]}})
            named = [created["accessKeyId"]]
        key_id = named[0]
        _s, key = api.request("GET", "/v2/GetKeyInfo?id=%s&showSecretKey=true" % quote(key_id))
        module.no_log_values.update([key["secretAccessKey"], key_id])

        ids = {}
        for name in p["buckets"]:
            status, info = api.request("GET", "/v2/GetBucketInfo?globalAlias=%s" % quote(name), ok=(200, 404))
            if status == 404 and module.check_mode:  # garage_bucket would create it (check mode)
                actions.append("set %s on %s (once created) to %s"
                               % (p["name"], name, ", ".join(k for k, v in wanted.items() if v)))
                continue
            if status == 404:
                module.fail_json(msg="bucket %s does not exist (create it first: garage_bucket)" % name)
            ids[info["id"]] = name
        held = {b["id"]: b.get("permissions") or {} for b in key.get("buckets") or []}
        plan = []
        for bucket_id, name in ids.items():
            if held.get(bucket_id) != wanted:
                if not wanted["owner"] and held.get(bucket_id, {}).get("owner"):
                    plan.append(("/v2/DenyBucketKey", bucket_id, {"read": False, "write": False, "owner": True}))
                grant = {k: v for k, v in wanted.items() if v}
                if any(not held.get(bucket_id, {}).get(k) for k in grant):
                    plan.append(("/v2/AllowBucketKey", bucket_id, grant))
                actions.append("set %s on %s to %s" % (p["name"], name, ", ".join(k for k, v in wanted.items() if v)))
        for bucket_id, perms in held.items():
            if bucket_id not in ids and any(perms.values()):
                plan.append(("/v2/DenyBucketKey", bucket_id, {"read": True, "write": True, "owner": True}))
                actions.append("revoke %s on bucket %s" % (p["name"], bucket_id))
        deny_create = (key.get("permissions") or {}).get("createBucket", False) and not p["allow_create_bucket"]
        if deny_create:
            actions.append("forbid %s to create buckets" % p["name"])
        if not module.check_mode:
            for path, bucket_id, permissions in plan:
                api.request("POST", path, {"bucketId": bucket_id, "accessKeyId": key_id, "permissions": permissions})
            if deny_create:
                api.request("POST", "/v2/UpdateKey?id=%s" % quote(key_id), {"deny": {"createBucket": True}})
        changed = bool(actions)
        if p["access_key_id_file"]:
            for path, content, what in ((p["access_key_id_file"], key["accessKeyId"], "the key ID"),
                                        (p["secret_access_key_file"], key["secretAccessKey"], "the secret key")):
                changed = _write(module, path, content, actions, what) or changed
    except ApiError as e:
        module.fail_json(msg=str(e), actions=actions)
    module.exit_json(changed=changed, actions=actions)


if __name__ == "__main__":
    main()
