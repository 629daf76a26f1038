#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: redis_acl_user
short_description: Manage a Redis ACL user idempotently
version_added: 0.1.0
description:
  - Creates, updates or removes a Redis (6+) ACL user.
  - The desired rules are compared with the user's current ones in the server's own normalised
    form (C(ACL GETUSER) of a short-lived probe user built from the same rules), so any rule
    spelling Redis accepts is idempotent.
  - The password is sent as its SHA-256 hash (C(#<hash>)) and never leaves the module in clear.
  - Supports check mode (the probe user is still created and deleted to compare rules).
  - O(login_user) needs C(ACL) and, with O(persist), C(CONFIG REWRITE).
options:
  name:
    description: Name of the ACL user.
    type: str
    required: true
  password:
    description: Password of the user; required with O(state=present). Exactly this password is kept.
    type: str
  rules:
    description:
      - ACL rules applied after C(reset), for example V(on), V(~app:*), V(+@all), V(-@dangerous).
      - Do not put passwords here; use O(password).
    type: list
    elements: str
    default: [on]
  state:
    description: Whether the user exists.
    type: str
    choices: [present, absent]
    default: present
  persist:
    description:
      - After a change, save the ACL with C(ACL SAVE) when the server uses an aclfile, else C(CONFIG REWRITE),
        so that the user survives a restart. Fails when neither is possible unless V(false).
    type: bool
    default: true
extends_documentation_fragment:
  - multidb.platform.redis
requirements:
  - redis (Python) >= 4.0
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Application user limited to its key prefix
  multidb.platform.redis_acl_user:
    login_password: "{{ redis_admin_password }}"
    name: app
    password: "{{ redis_app_password }}"
    rules: ["on", "~app:*", "&app:*", "+@all", "-@dangerous", "-@admin"]
  no_log: true
"""

RETURN = r"""
user:
  description: The user as C(ACL GETUSER) reports it after the run (without password hashes).
  returned: state is present
  type: dict
persisted:
  description: How the change was saved (C(aclfile), C(config), or C(none)).
  returned: changed
  type: str
"""

import hashlib
import secrets

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.redis_common import redis_argument_spec, redis_client

try:
    import redis
except ImportError:
    pass  # redis_client fails the module, naming the library


def _text(value):
    if isinstance(value, bytes):
        return value.decode("utf-8", "replace")
    if isinstance(value, (list, tuple)):
        return [_text(v) for v in value]
    if isinstance(value, dict):
        return {_text(k): _text(v) for k, v in value.items()}
    return value


def _getuser(client, name):
    raw = client.execute_command("ACL", "GETUSER", name)
    if raw is None:
        return None
    if isinstance(raw, dict):
        return _text(raw)
    # RESP2: flat list of key, value pairs
    raw = _text(raw)
    return dict(zip(raw[0::2], raw[1::2]))


def _without_passwords(user):
    return {k: v for k, v in (user or {}).items() if k != "passwords"}


def main():
    module = AnsibleModule(
        argument_spec=redis_argument_spec(
            name=dict(type="str", required=True),
            password=dict(type="str", no_log=True),
            rules=dict(type="list", elements="str", default=["on"]),
            state=dict(type="str", choices=["present", "absent"], default="present"),
            persist=dict(type="bool", default=True),
        ),
        required_if=[("state", "present", ["password"])],
        supports_check_mode=True,
    )

    p = module.params
    for rule in p["rules"]:
        if rule.startswith((">", "<", "#", "!")) or rule in ("nopass", "resetpass"):
            module.fail_json(msg="rules must not set passwords (%s); use the password option" % rule[:1])

    client = redis_client(module, socket_timeout=10)  # connects at its first command
    try:
        client.ping()
        current = _getuser(client, p["name"])
    except redis.exceptions.RedisError as e:
        module.fail_json(msg="Cannot query ACL of user %s on %s:%s: %s" % (p["name"], p["login_host"], p["login_port"], e))

    result = dict(changed=False)

    if p["state"] == "absent":
        if current is not None:
            result["changed"] = True
            if not module.check_mode:
                client.execute_command("ACL", "DELUSER", p["name"])
                result["persisted"] = _persist(module, client)
        module.exit_json(**result)

    pw_hash = hashlib.sha256(p["password"].encode("utf-8")).hexdigest()
    probe = "ansible-probe-%s" % secrets.token_hex(6)
    try:
        client.execute_command("ACL", "SETUSER", probe, "reset", *p["rules"])
        desired = _getuser(client, probe)
    except redis.exceptions.ResponseError as e:
        module.fail_json(msg="Redis refused the ACL rules %s: %s" % (p["rules"], e))
    finally:
        client.execute_command("ACL", "DELUSER", probe)

    before = _without_passwords(current) if current is not None else {}
    same_rules = current is not None and _without_passwords(current) == _without_passwords(desired)
    same_password = current is not None and current.get("passwords") == [pw_hash]
    if not (same_rules and same_password):
        result["changed"] = True
        if not module.check_mode:
            client.execute_command("ACL", "SETUSER", p["name"], "reset", *p["rules"], "#" + pw_hash)
            result["persisted"] = _persist(module, client)
            current = _getuser(client, p["name"])
        else:
            current = desired
    result["user"] = _without_passwords(current)
    if result["changed"]:
        result["diff"] = dict(before=before, after=result["user"])
    module.exit_json(**result)


def _persist(module, client):
    if not module.params["persist"]:
        return "none"
    try:
        aclfile = _text(client.config_get("aclfile")).get("aclfile", "")
    except redis.exceptions.ResponseError:
        aclfile = ""
    try:
        if aclfile:
            client.execute_command("ACL", "SAVE")
            return "aclfile"
        client.execute_command("CONFIG", "REWRITE")
        return "config"
    except redis.exceptions.ResponseError as e:
        module.fail_json(msg="The ACL change was applied but could not be persisted (%s). Start Redis with a "
                             "writable config file or aclfile, or set persist=false." % e)


if __name__ == "__main__":
    main()
