#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: weaviate_role
short_description: A Weaviate RBAC role with exactly the given permissions, assigned to database users
version_added: 0.2.0
description:
  - Creates the role with O(permissions), or adds the permissions it lacks and removes the ones it should
    not have (a permission is identified by its action and its collection), then assigns the role to every
    user of O(users) that does not have it.
  - A user unknown to the server (not in its C(AUTHENTICATION_APIKEY_USERS)) fails the module, naming it.
  - In check mode it changes nothing and reports what it would do in RV(actions).
options:
  name:
    description: The role (not a built-in one).
    type: str
    required: true
  permissions:
    description: The role's permissions as the REST API takes them (C(action) with C(collections) or C(data)).
    type: list
    elements: dict
    required: true
  users:
    description: Database users (API-key users) that get the role.
    type: list
    elements: str
    default: []
extends_documentation_fragment:
  - multidb.platform.weaviate
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Data access to the Document collection for the application user
  multidb.platform.weaviate_role:
    url: http://127.0.0.1:8080
    api_key: "{{ weaviate_admin_api_key }}"
    name: app-data
    permissions:
      - {action: read_collections, collections: {collection: "*"}}
      - {action: read_data, data: {collection: Document, tenant: "*", object: "*"}}
    users: [app]
"""

RETURN = r"""
actions:
  description: What was done (in check mode, would be), for example C(create role app-data), C(assign app-data to app).
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)

BUILT_IN = ("root", "viewer", "admin", "read-only")


def _key(permission):
    scope = (permission.get("collections") or {}).get("collection", "") + \
        (permission.get("data") or {}).get("collection", "")
    return "%s:%s" % (permission.get("action"), scope)


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "api_key",
            name=dict(type="str", required=True),
            permissions=dict(type="list", elements="dict", required=True),
            users=dict(type="list", elements="str", default=[]),
        ),
        supports_check_mode=True,
    )
    p = module.params
    role = p["name"]
    if role in BUILT_IN or not re.match(r"^[A-Za-z][-_0-9A-Za-z]{0,254}$", role):
        module.fail_json(msg="name must be a valid role name and not a built-in role (got %s)" % role)
    api = BearerApi(module, "api_key")
    actions, plan = [], []
    try:
        status, current = api.request("GET", "/v1/authz/roles/%s" % role, ok=(200, 404))
        wanted = {_key(perm): perm for perm in p["permissions"]}
        if status == 404:
            actions.append("create role %s with %d permissions" % (role, len(wanted)))
            plan.append(("POST", "/v1/authz/roles", {"name": role, "permissions": p["permissions"]}, (201,)))
        else:
            live = {_key(perm): perm for perm in (current or {}).get("permissions") or []}
            add = [perm for key, perm in wanted.items() if key not in live]
            remove = [perm for key, perm in live.items() if key not in wanted]
            if add:
                actions.append("add %s to %s" % (", ".join(sorted(_key(x) for x in add)), role))
                plan.append(("POST", "/v1/authz/roles/%s/add-permissions" % role, {"permissions": add}, (200,)))
            if remove:
                actions.append("remove %s from %s" % (", ".join(sorted(_key(x) for x in remove)), role))
                plan.append(("POST", "/v1/authz/roles/%s/remove-permissions" % role, {"permissions": remove}, (200,)))
        for user in p["users"]:
            status, roles = api.request("GET", "/v1/authz/users/%s/roles/db" % user, ok=(200, 404))
            if status == 404:
                module.fail_json(msg="Weaviate does not know the user '%s': it must be listed in the server's "
                                     "AUTHENTICATION_APIKEY_USERS (the Terraform module's app_user)." % user)
            if role not in [r.get("name") for r in roles or []]:
                actions.append("assign %s to %s" % (role, user))
                plan.append(("POST", "/v1/authz/users/%s/assign" % user, {"roles": [role], "userType": "db"}, (200,)))
        if not module.check_mode:
            for method, path, body, ok in plan:
                api.request(method, path, body, ok=ok)
    except ApiError as e:
        module.fail_json(msg=str(e), actions=actions)
    module.exit_json(changed=bool(actions), actions=actions)


if __name__ == "__main__":
    main()
