#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: weaviate_collection
short_description: Weaviate collections (classes) with their properties, vectors supplied by the application
version_added: 0.2.0
description:
  - Creates the collections of O(collections) that do not exist (C(vectorizer) none, HNSW index with the
    declared distance) and adds the declared properties an existing collection lacks.
  - Refuses, naming every one, collections that exist with other settings than declared (a property's
    data type, the distance, a vectorizer); changing them needs a data migration, and this module never
    drops or rewrites data.
  - Reports what it created in RV(created) and RV(properties_added); in check mode it changes nothing and
    reports what it would do.
options:
  collections:
    description: The collections.
    type: list
    elements: dict
    required: true
    suboptions:
      name:
        description: Collection name (starts with an upper-case letter).
        type: str
        required: true
      description:
        description: Description of the collection.
        type: str
        default: ""
      distance:
        description: Distance of the vector index.
        type: str
        choices: [cosine, dot, l2-squared, hamming, manhattan]
        default: cosine
      properties:
        description: Properties, each with C(name) and C(data_type) (C(text), C(int), C(text[]), ...).
        type: list
        elements: dict
        default: []
extends_documentation_fragment:
  - multidb.platform.weaviate
notes:
  - Supports check mode.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Document chunks with their embeddings
  multidb.platform.weaviate_collection:
    url: http://127.0.0.1:8080
    api_key: "{{ weaviate_admin_api_key }}"
    collections:
      - name: Document
        distance: cosine
        properties:
          - {name: content, data_type: text}
          - {name: chunk, data_type: int}
"""

RETURN = r"""
created:
  description: Collections created (in check mode, that would be).
  returned: always
  type: list
  elements: str
properties_added:
  description: C(Collection.property) added to existing collections (in check mode, that would be).
  returned: always
  type: list
  elements: str
"""

import re

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.multidb.platform.plugins.module_utils.bearer_api import (
    ApiError, BearerApi, bearer_argument_spec)

NAME = re.compile(r"^[A-Z][_0-9A-Za-z]{0,254}$")
PROPERTY = re.compile(r"^[_A-Za-z][_0-9A-Za-z]{0,230}$")
DATA_TYPE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(\[\])?$")


def _declared_properties(module, collection):
    properties = []
    for prop in collection["properties"]:
        name, data_type = prop.get("name", ""), prop.get("data_type", "")
        if not PROPERTY.match(name) or not DATA_TYPE.match(data_type):
            module.fail_json(msg="%s: property %r needs a GraphQL-safe name and a Weaviate data type (got %r)"
                             % (collection["name"], name, data_type))
        properties.append({"name": name, "dataType": data_type.split(",")})
    return properties


def main():
    module = AnsibleModule(
        argument_spec=bearer_argument_spec(
            "api_key",
            collections=dict(type="list", elements="dict", required=True, options=dict(
                name=dict(type="str", required=True),
                description=dict(type="str", default=""),
                distance=dict(type="str", default="cosine", choices=["cosine", "dot", "l2-squared", "hamming",
                                                                      "manhattan"]),
                properties=dict(type="list", elements="dict", default=[]),
            )),
        ),
        supports_check_mode=True,
    )
    names = [c["name"] for c in module.params["collections"]]
    bad = [n for n in names if not NAME.match(n)]
    if bad or len(set(names)) != len(names):
        module.fail_json(msg="collection names must be unique and start with an upper-case letter (got %s)"
                         % ", ".join(names))
    api = BearerApi(module, "api_key")
    created, added, conflicts = [], [], []
    try:
        _status, schema = api.request("GET", "/v1/schema")
        live = {c["class"]: c for c in (schema or {}).get("classes") or []}
        plan = []  # (method, path, body)
        for collection in module.params["collections"]:
            declared = _declared_properties(module, collection)
            if collection["name"] not in live:
                created.append(collection["name"])
                plan.append(("POST", "/v1/schema", {
                    "class": collection["name"], "description": collection["description"], "vectorizer": "none",
                    "vectorIndexType": "hnsw", "vectorIndexConfig": {"distance": collection["distance"]},
                    "properties": declared}))
                continue
            current = live[collection["name"]]
            types = {p["name"]: p.get("dataType") for p in current.get("properties") or []}
            for prop in declared:
                if prop["name"] not in types:
                    added.append("%s.%s" % (collection["name"], prop["name"]))
                    plan.append(("POST", "/v1/schema/%s/properties" % collection["name"], prop))
                elif types[prop["name"]] != prop["dataType"]:
                    conflicts.append("%s.%s is %s, declared %s" % (collection["name"], prop["name"],
                                                                   ",".join(types[prop["name"]]),
                                                                   ",".join(prop["dataType"])))
            distance = (current.get("vectorIndexConfig") or {}).get("distance", "")
            if distance not in ("", collection["distance"]):
                conflicts.append("%s: distance is %s, declared %s" % (collection["name"], distance,
                                                                     collection["distance"]))
            if (current.get("vectorizer") or "none") != "none":
                conflicts.append("%s: vectorizer is %s, declared none" % (collection["name"], current["vectorizer"]))
        if conflicts:
            module.fail_json(msg="These collections exist with other settings than declared: %s. Property types, the "
                                 "distance and the vectorizer of an existing collection cannot be changed in place; "
                                 "this module will not drop or rewrite data. Migrate the data to a new collection or "
                                 "correct the declaration." % "; ".join(conflicts))
        if not module.check_mode:
            for method, path, body in plan:
                api.request(method, path, body)
    except ApiError as e:
        module.fail_json(msg=str(e), created=created, properties_added=added)
    module.exit_json(changed=bool(created or added), created=created, properties_added=added)


if __name__ == "__main__":
    main()
