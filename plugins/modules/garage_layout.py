#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: garage_layout
short_description: A Garage node's role in the cluster layout (zone, capacity), applied and serving
version_added: 0.2.0
description:
  - Waits up to O(wait_timeout) seconds for the admin API to answer; a refused token fails at once.
  - Gives the node that answers (C(GetNodeInfo?node=self)) a role with O(zone) and O(capacity_gb) when
    the layout has none for it, applies the layout, and waits until the cluster can serve requests.
  - A node that already has a role is left as it is (its zone and capacity are not rewritten).
  - In check mode it changes nothing and reports whether it would assign the role.
options:
  zone:
    description: Zone of the node.
    type: str
    required: true
  capacity_gb:
    description: Capacity of the node in GB.
    type: int
    required: true
  wait_timeout:
    description: Seconds to wait for the admin API, and for the cluster to serve after a new layout.
    type: int
    default: 120
extends_documentation_fragment:
  - multidb.platform.garage
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Single-node layout
  multidb.platform.garage_layout:
    url: http://127.0.0.1:3903
    admin_token: "{{ objectstore_admin_token }}"
    zone: local
    capacity_gb: 10
"""

RETURN = r"""
node_id:
  description: ID of the node.
  returned: always
  type: str
layout_version:
  description: Version of the layout after the module.
  returned: always
  type: int
"""

import time

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "admin_token",
            zone=dict(type="str", required=True),
            capacity_gb=dict(type="int", required=True),
            wait_timeout=dict(type="int", default=120),
        ),
        supports_check_mode=True,
    )
    p = module.params
    api = BearerApi(module, "admin_token")
    deadline = time.monotonic() + p["wait_timeout"]
    while True:
        try:
            api.request("GET", "/v2/GetClusterHealth", timeout=5)
            break
        except ApiError as e:
            if e.status in (401, 403):
                module.fail_json(msg="Garage's admin API at %s refused the admin token (HTTP %s): it does not match "
                                     "the server's config." % (p["url"], e.status))
            if time.monotonic() > deadline:
                module.fail_json(msg="Garage's admin API at %s did not answer within %ss: %s"
                                     % (p["url"], p["wait_timeout"], e))
            time.sleep(2)
    try:
        _s, node = api.request("GET", "/v2/GetNodeInfo?node=self")
        node_id = next(iter(node["success"]))
        _s, layout = api.request("GET", "/v2/GetClusterLayout")
        version = int(layout.get("version") or 0)
        if node_id in [role["id"] for role in layout.get("roles") or []]:
            module.exit_json(changed=False, node_id=node_id, layout_version=version)
        if module.check_mode:
            module.exit_json(changed=True, node_id=node_id, layout_version=version)
        if not layout.get("stagedRoleChanges"):
            api.request("POST", "/v2/UpdateClusterLayout", {"roles": [
                {"id": node_id, "zone": p["zone"], "capacity": p["capacity_gb"] * 1000000000, "tags": []}]})
        api.request("POST", "/v2/ApplyClusterLayout", {"version": version + 1})
        while True:
            _s, health = api.request("GET", "/v2/GetClusterHealth")
            if (health or {}).get("status", "unavailable") != "unavailable":
                break
            if time.monotonic() > deadline + p["wait_timeout"]:
                module.fail_json(msg="Garage did not serve requests after the layout was applied: %s" % health)
            time.sleep(2)
    except ApiError as e:
        module.fail_json(msg=str(e))
    module.exit_json(changed=True, node_id=node_id, layout_version=version + 1)


if __name__ == "__main__":
    main()
