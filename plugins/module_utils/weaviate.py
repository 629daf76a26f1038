# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""A small client of Weaviate's REST API for the collection's Weaviate modules (connection
options in the multidb.platform.weaviate documentation fragment)."""

from __future__ import annotations

import json

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url


def weaviate_argument_spec(**options):
    spec = dict(
        url=dict(type="str", required=True),
        api_key=dict(type="str", required=True, no_log=True),
        timeout=dict(type="int", default=30),
    )
    spec.update(options)
    return spec


class WeaviateError(Exception):
    def __init__(self, method, path, status, detail):
        super().__init__("%s %s: HTTP %s %s" % (method, path, status, detail))
        self.status = status


class Weaviate:
    def __init__(self, module):
        self.module = module
        self.base = module.params["url"].rstrip("/")
        self.headers = {"Authorization": "Bearer %s" % module.params["api_key"], "Content-Type": "application/json"}
        self.timeout = module.params["timeout"]

    def request(self, method, path, body=None, ok=(200,)):
        """(status, parsed JSON or None); statuses outside `ok` raise WeaviateError (the server's
        error message, which never holds the key)."""
        data = None if body is None else json.dumps(body)
        try:
            response = open_url(self.base + path, method=method, data=data, headers=self.headers,
                                timeout=self.timeout, validate_certs=True)
            status, raw = response.getcode(), response.read()
        except HTTPError as e:
            status, raw = e.code, e.read()
        except URLError as e:
            raise WeaviateError(method, path, "none", str(e.reason))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        if status not in ok:
            raise WeaviateError(method, path, status, json.dumps(parsed) if parsed is not None else "")
        return status, parsed
