# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""A small JSON client of HTTP APIs that take a bearer token: Weaviate's REST API and Garage's
admin API (connection options in the multidb.platform.weaviate and multidb.platform.garage
documentation fragments). The token goes in a header only; errors carry the server's status and
message, which never hold it."""

from __future__ import annotations

import json

from ansible.module_utils.six.moves.urllib.error import HTTPError, URLError
from ansible.module_utils.urls import open_url


def bearer_argument_spec(token_option, **options):
    spec = {
        "url": dict(type="str", required=True),
        token_option: dict(type="str", required=True, no_log=True),
        "timeout": dict(type="int", default=30),
        "ca_path": dict(type="path"),
    }
    spec.update(options)
    return spec


class ApiError(Exception):
    def __init__(self, method, path, status, detail):
        super().__init__("%s %s: HTTP %s %s" % (method, path, status, detail))
        self.status = status


class BearerApi:
    def __init__(self, module, token_option):
        self.base = module.params["url"].rstrip("/")
        self.headers = {"Authorization": "Bearer %s" % module.params[token_option],
                        "Content-Type": "application/json"}
        self.timeout = module.params["timeout"]
        # HTTPS: the server's certificate is always verified, against ca_path when given (a
        # private CA, e.g. the one of Weaviate's load balancer on AWS), else the system's CAs.
        self.ca_path = module.params.get("ca_path")

    def request(self, method, path, body=None, ok=(200,), timeout=None):
        """(status, parsed JSON or None); a status outside `ok` raises ApiError."""
        data = None if body is None else json.dumps(body)
        try:
            response = open_url(self.base + path, method=method, data=data, headers=self.headers,
                                timeout=timeout or self.timeout, validate_certs=True, ca_path=self.ca_path)
            status, raw = response.getcode(), response.read()
        except HTTPError as e:
            status, raw = e.code, e.read()
        except (URLError, OSError) as e:
            raise ApiError(method, path, "none", str(getattr(e, "reason", e)))
        try:
            parsed = json.loads(raw) if raw else None
        except ValueError:
            parsed = raw.decode("utf-8", "replace")
        if status not in ok:
            raise ApiError(method, path, status, json.dumps(parsed) if parsed is not None else "")
        return status, parsed
