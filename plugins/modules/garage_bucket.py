#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: garage_bucket
short_description: Garage buckets (by global alias) and their lifecycle rules
version_added: 0.2.0
description:
  - Creates the buckets of O(buckets) that do not exist and gives every one exactly its lifecycle rules
    (abort incomplete multipart uploads after O(abort_incomplete_upload_days), expire objects after the
    bucket's C(expiration_days) when set).
  - Never deletes a bucket or an object itself.
  - In check mode it changes nothing and reports what it would do.
options:
  buckets:
    description: The buckets.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Global alias (3-63 lowercase letters, digits, dots, dashes).
        type: str
        required: true
      expiration_days:
        description: Days after which objects expire; unset for never.
        type: int
  abort_incomplete_upload_days:
    description: Days after which incomplete multipart uploads are aborted; 0 for never.
    type: int
    default: 1
extends_documentation_fragment:
  - multidb.platform.garage
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Buckets of the application
  multidb.platform.garage_bucket:
    url: http://127.0.0.1:3903
    admin_token: "{{ objectstore_admin_token }}"
    buckets:
      - name: documents
      - name: backups
        expiration_days: 30
"""

RETURN = r"""
created:
  description: Buckets created (in check mode, that would be).
  returned: always
  type: list
  elements: str
rules_set:
  description: Buckets whose lifecycle rules were set (in check mode, would be).
  returned: always
  type: list
  elements: str
ids:
  description: Bucket IDs by name (buckets that exist after the module; not the ones check mode would create).
  returned: always
  type: dict
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible.module_utils.six.moves.urllib.parse import quote
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)

NAME = re.compile(r"^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$")


def _rules(bucket, abort_days):
    rules = []
    if abort_days > 0:
        rules.append({"ID": "abort-incomplete-uploads", "Status": "Enabled",
                      "AbortIncompleteMultipartUpload": {"DaysAfterInitiation": abort_days}})
    if bucket.get("expiration_days") is not None:
        rules.append({"ID": "expire-objects", "Status": "Enabled", "Expiration": {"Days": bucket["expiration_days"]}})
    return rules


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "admin_token",
            buckets=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                expiration_days=dict(type="int"),
            )),
            abort_incomplete_upload_days=dict(type="int", default=1),
        ),
        supports_check_mode=True,
    )
    p = module.params
    names = [b["name"] for b in p["buckets"]]
    bad = [n for n in names if not NAME.match(n)]
    if bad or len(set(names)) != len(names) or p["abort_incomplete_upload_days"] < 0 or \
            any(b["expiration_days"] is not None and b["expiration_days"] < 1 for b in p["buckets"]):
        module.fail_json(msg="buckets need unique S3 names (3-63 lowercase letters, digits, dots, dashes) and "
                             "expiration_days >= 1 when set; abort_incomplete_upload_days >= 0 (buckets: %s)"
                             % ", ".join(names))
    api = BearerApi(module, "admin_token")
    created, rules_set, ids = [], [], {}
    try:
        _s, listed = api.request("GET", "/v2/ListBuckets")
        existing = {alias for bucket in listed or [] for alias in bucket.get("globalAliases") or []}
        for bucket in p["buckets"]:
            rules = _rules(bucket, p["abort_incomplete_upload_days"])
            if bucket["name"] not in existing:
                created.append(bucket["name"])
                if module.check_mode:
                    rules_set.append(bucket["name"])
                    continue
                api.request("POST", "/v2/CreateBucket", {"globalAlias": bucket["name"]})
            _s, info = api.request("GET", "/v2/GetBucketInfo?globalAlias=%s" % quote(bucket["name"]))
            ids[bucket["name"]] = info["id"]
            if (info.get("lifecycleRules") or []) != rules:
                rules_set.append(bucket["name"])
                if not module.check_mode:
                    api.request("POST", "/v2/UpdateBucket?id=%s" % quote(info["id"]), {"lifecycleRules": rules})
    except ApiError as e:
        module.fail_json(msg=str(e), created=created, rules_set=rules_set)
    module.exit_json(changed=bool(created or rules_set), created=created, rules_set=rules_set, ids=ids)


if __name__ == "__main__":
    main()
