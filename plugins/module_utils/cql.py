# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)
"""Connection options and session of the collection's CQL modules (ScyllaDB, Apache Cassandra),
documented in the multidb.platform.cql documentation fragment."""

from __future__ import annotations

import datetime
import decimal
import ipaddress
import re
import ssl
import traceback
import uuid

from ansible.module_utils.basic import missing_required_lib

try:
    from cassandra import ConsistencyLevel
    from cassandra.auth import PlainTextAuthProvider
    from cassandra.cluster import EXEC_PROFILE_DEFAULT, Cluster, ExecutionProfile
    from cassandra.policies import WhiteListRoundRobinPolicy
    from cassandra.query import SimpleStatement, dict_factory

    HAS_DRIVER = True
    DRIVER_IMPORT_ERROR = None
except ImportError:
    HAS_DRIVER = False
    DRIVER_IMPORT_ERROR = traceback.format_exc()


def cql_argument_spec(**options):
    """The connection options, plus the module's own."""
    spec = dict(
        login_hosts=dict(type="list", elements="str", required=True),
        login_user=dict(type="str", required=True),
        login_password=dict(type="str", required=True, no_log=True),
        connect_timeout=dict(type="int", default=10),
        request_timeout=dict(type="int", default=30),
        tls=dict(type="bool", default=False),
        tls_ca_file=dict(type="path"),
    )
    spec.update(options)
    return spec


def require_driver(module):
    if not HAS_DRIVER:
        module.fail_json(msg=missing_required_lib("cassandra-driver"), exception=DRIVER_IMPORT_ERROR)


def plain(value):
    """Driver values -> JSON-friendly values."""
    if isinstance(value, (uuid.UUID, decimal.Decimal, ipaddress.IPv4Address, ipaddress.IPv6Address)):
        return str(value)
    if isinstance(value, (datetime.datetime, datetime.date, datetime.time)):
        return value.isoformat()
    if isinstance(value, bytes):
        return value.hex()
    if isinstance(value, dict) or hasattr(value, "items"):
        return {str(plain(k)): plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, set, frozenset)) or type(value).__name__ in ("SortedSet", "OrderedSet"):
        items = [plain(v) for v in value]
        return sorted(items, key=str) if isinstance(value, (set, frozenset)) else items
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)


def endpoint(text):
    host, sep, port = text.rpartition(":")
    if not sep or not host or not port.isdigit():
        raise ValueError("login_hosts entries must be host:port (got %r)" % text)
    return host.strip("[]"), int(port)


def tls_context(ca_file=None):
    """The client side of a verified TLS connection: the server's certificate must chain to
    `ca_file` (a PEM bundle; None: the system's CAs) and name the address connected to."""
    context = ssl.create_default_context(cafile=ca_file)
    context.check_hostname = True
    context.verify_mode = ssl.CERT_REQUIRED
    return context


def is_auth_error(exc):
    if exc.__class__.__name__ == "AuthenticationFailed":
        return True
    errors = getattr(exc, "errors", None) or {}
    return bool(errors) and all(e.__class__.__name__ == "AuthenticationFailed" for e in errors.values())


class CqlSession:
    """One connection to the given endpoints; rows as dicts of plain values."""

    def __init__(self, hosts, user, password, connect_timeout=10, request_timeout=30, consistency="QUORUM",
                 tls=False, tls_ca_file=None):
        endpoints = [endpoint(h) for h in hosts]
        self.hosts = hosts
        self.user = user
        profile = ExecutionProfile(
            load_balancing_policy=WhiteListRoundRobinPolicy(sorted({h for h, _ in endpoints})),
            consistency_level=getattr(ConsistencyLevel, consistency),
            request_timeout=request_timeout,
            row_factory=dict_factory,
        )
        self.cluster = Cluster(
            contact_points=endpoints,
            auth_provider=PlainTextAuthProvider(username=user, password=password),
            execution_profiles={EXEC_PROFILE_DEFAULT: profile},
            connect_timeout=connect_timeout,
            control_connection_timeout=connect_timeout,
            protocol_version=4,
            # The modules read the system tables themselves: the driver's own copy of every
            # keyspace's schema and of the token ring is not needed (and costs a round trip each).
            schema_metadata_enabled=False,
            token_metadata_enabled=False,
            # TLS verified: the driver gives the context the endpoint's address as the server
            # name, which the certificate must name (check_hostname).
            ssl_context=tls_context(tls_ca_file) if tls else None,
        )
        self.session = None

    def __enter__(self):
        self.session = self.cluster.connect()
        return self

    def __exit__(self, *exc):
        self.cluster.shutdown()
        return False

    def execute(self, statement, parameters=None, consistency=None):
        query = SimpleStatement(statement)
        if consistency:
            query.consistency_level = getattr(ConsistencyLevel, consistency)
        return self.session.execute(query, parameters or None)

    def rows(self, statement, parameters=None, consistency=None):
        return [{k: plain(v) for k, v in row.items()} for row in self.execute(statement, parameters, consistency)]


def session(module, user, password, hosts=None, consistency="QUORUM"):
    """A CqlSession (not connected) for the module's connection options, as `user`, to
    `hosts` (default: login_hosts)."""
    p = module.params
    return CqlSession(hosts or p["login_hosts"], user, password, p["connect_timeout"], p["request_timeout"],
                      consistency, tls=p["tls"], tls_ca_file=p["tls_ca_file"])


def connect(module, user=None, password=None):
    """A CqlSession for the module's connection options (or another role's credentials);
    fails the module naming the endpoints and the role, never the password."""
    p = module.params
    try:
        return session(module, user or p["login_user"], password or p["login_password"]).__enter__()
    except ValueError as e:
        module.fail_json(msg=str(e))
    except Exception as e:  # NoHostAvailable wraps the per-host errors
        module.fail_json(msg="Cannot connect to %s as %s: %s" % (", ".join(p["login_hosts"]), user or p["login_user"], e),
                         auth_failed=is_auth_error(e))


def can_login(module, user, password):
    """True when `user` logs in with `password`; False when the server refuses the credentials."""
    p = module.params
    try:
        with session(module, user, password):
            return True
    except Exception as e:
        if is_auth_error(e):
            return False
        module.fail_json(msg="Cannot connect to %s as %s: %s" % (", ".join(p["login_hosts"]), user, e))


def server(cql):
    """('scylla', '6.2.0') or ('cassandra', '5.0.6'): the product and its version, asked from the server
    (ScyllaDB answers system.versions, Apache Cassandra has no such table), never guessed from an image."""
    try:
        row = cql.rows("SELECT version FROM system.versions WHERE key = 'local'", consistency="ONE")
    except Exception:  # no such table: Apache Cassandra
        row = []
    if row:
        return "scylla", row[0]["version"]
    return "cassandra", cql.rows("SELECT release_version FROM system.local", consistency="ONE")[0]["release_version"]


def version_tuple(version):
    """'6.2.0' -> (6, 2, 0); '2024.1.3-0.2024' -> (2024, 1, 3): the leading numbers only."""
    found = re.match(r"[0-9]+(?:\.[0-9]+)*", version or "")
    return tuple(int(n) for n in found.group(0).split(".")) if found else ()
