#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: mongodb_ping
short_description: Authenticated ping of a MongoDB server, optionally with a write/read round trip
version_added: 0.1.0
description:
  - Connects as O(login_user), runs C(ping) and checks with C(connectionStatus) that the session is
    really authenticated as that user (C(ping) alone is allowed anonymously by MongoDB).
  - With O(write_check), upserts a fixed document (by its C(_id)) and reads it back. The document is
    written only when it differs from the stored one, so repeated runs report no change; in check
    mode nothing is written.
  - Never changes anything else. Needs no C(mongosh) on the controller (pymongo only), which is why
    the role uses it rather than C(community.mongodb.mongodb_shell); C(community.mongodb.mongodb_info)
    needs admin rights and C(rolesInfo), which servers like FerretDB lack.
options:
  list_databases:
    description:
      - Also return the databases (C(listDatabases); the backup lists what it dumps). Needs a user that may
        list them (the root user).
    type: bool
    default: false
    version_added: 0.4.0
  write_check:
    description: Upsert O(write_check.document) into O(write_check.database).O(write_check.collection) and read it back.
    type: dict
    suboptions:
      database:
        description: Database.
        type: str
        required: true
      collection:
        description: Collection.
        type: str
        required: true
      document:
        description: The document, with a fixed C(_id); no volatile values (timestamps) or every run writes.
        type: dict
        required: true
extends_documentation_fragment:
  - multidb.platform.mongodb
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Authenticated ping as root
  multidb.platform.mongodb_ping:
    login_user: root
    login_password: "{{ mongodb_admin_password }}"
  no_log: true

- name: Write and read a fixed document as the application user
  multidb.platform.mongodb_ping:
    login_user: app
    login_password: "{{ mongodb_app_password }}"
    login_database: app
    write_check:
      database: app
      collection: _health
      document: {_id: healthcheck, status: ok}
  no_log: true
"""

RETURN = r"""
server_version:
  description: Version the server reports in C(buildInfo).
  type: str
  returned: success
  sample: 8.0.17
ferretdb_version:
  description: FerretDB's own version when the server is FerretDB (C(buildInfo.ferretdbVersion)), else null.
  type: str
  returned: success
authenticated_user:
  description: User and database of the authenticated session (C(user@db)).
  type: str
  returned: success
databases:
  description: The databases, each C(name) and C(size_on_disk) (bytes), by name.
  type: list
  elements: dict
  returned: with list_databases
  sample: [{name: admin, size_on_disk: 8192}, {name: app, size_on_disk: 65536}]
document:
  description: The document read back (with O(write_check)).
  type: dict
  returned: with write_check
"""

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.mongodb_common import (
    endpoint, mongodb_argument_spec, mongodb_client)

try:
    from pymongo.errors import OperationFailure, PyMongoError
except ImportError:
    pass  # mongodb_client() fails the module with the reason


def main():
    module = AnsibleModule(
        argument_spec=mongodb_argument_spec(
            list_databases=dict(type="bool", default=False),
            write_check=dict(type="dict", options=dict(
                database=dict(type="str", required=True),
                collection=dict(type="str", required=True),
                document=dict(type="dict", required=True),
            )),
        ),
        supports_check_mode=True,
    )
    p = module.params
    result = dict(changed=False)
    client = mongodb_client(module)
    where = endpoint(module)
    try:
        client.admin.command("ping")
        status = client.admin.command("connectionStatus")
        users = status.get("authInfo", {}).get("authenticatedUsers", [])
        wanted = {"user": p["login_user"], "db": p["login_database"]}
        if not any(u.get("user") == wanted["user"] and u.get("db") == wanted["db"] for u in users):
            module.fail_json(msg="%s answered ping but the session is not authenticated as %s@%s (authenticatedUsers=%s)"
                             % (where, wanted["user"], wanted["db"], users))
        result["authenticated_user"] = "%s@%s" % (wanted["user"], wanted["db"])
        info = client.admin.command("buildInfo")
        result["server_version"] = str(info.get("version", "unknown"))
        result["ferretdb_version"] = info.get("ferretdbVersion")
        if p["list_databases"]:
            listing = client.admin.command("listDatabases")
            result["databases"] = sorted(({"name": d["name"], "size_on_disk": int(d.get("sizeOnDisk", 0))}
                                          for d in listing.get("databases", [])), key=lambda d: d["name"])

        wc = p["write_check"]
        if wc:
            doc = dict(wc["document"])
            if "_id" not in doc:
                module.fail_json(msg="write_check.document needs a fixed _id")
            coll = client[wc["database"]][wc["collection"]]
            current = coll.find_one({"_id": doc["_id"]})
            if current != doc:
                result["changed"] = True
                if not module.check_mode:
                    coll.replace_one({"_id": doc["_id"]}, doc, upsert=True)
                    current = coll.find_one({"_id": doc["_id"]})
                    if current != doc:
                        module.fail_json(msg="document written to %s.%s but read back as %s"
                                         % (wc["database"], wc["collection"], current))
            result["document"] = current
    except OperationFailure as exc:
        if exc.code == 18:
            module.fail_json(msg="%s: authentication failed as %s@%s" % (where, p["login_user"], p["login_database"]),
                             code=exc.code)
        module.fail_json(msg="%s: %s" % (where, exc), code=exc.code)
    except PyMongoError as exc:
        module.fail_json(msg="%s: %s" % (where, exc))
    finally:
        client.close()
    module.exit_json(**result)


if __name__ == "__main__":
    main()
