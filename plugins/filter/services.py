# -*- coding: utf-8 -*-
"""Filters of the service plays: services are inventory hosts (group multidb_services).

A report runs once for the hosts of its play (all of them, or those of --limit) and reads
what each service host's health check recorded (<service>_health) from hostvars. The registry
filters (service_facts, secret_names, tls_servers) read playbooks/vars/services.yml, so what
one service has or needs is said in its entry there, never in a list of service names.
"""

from __future__ import annotations

DOCUMENTATION = r"""
name: service_hosts
short_description: The part of the services contract whose services are hosts of the play
description:
  - Keeps the entries of the C(services) contract (the Terraform output) named like one of
    the given inventory hosts, in the contract's order.
options:
  _input:
    description: The services contract, by service name.
    type: dict
    required: true
  hosts:
    description: Inventory hosts of the play (for example C(ansible_play_hosts_all)).
    type: list
    elements: str
    required: true
"""

EXAMPLES = r"""
preflight_services: "{{ multidb_service_registry | multidb.platform.service_facts(['memory_min_mb', 'node_count_var', 'tls']) }}"
multidb_secret_names: "{{ multidb_service_registry | multidb.platform.secret_names(multidb_environment) }}"
multidb_tls_servers: "{{ multidb_service_registry | multidb.platform.tls_servers }}"
report_services: "{{ provision_services | multidb.platform.service_hosts(ansible_play_hosts_all) }}"
report_health: "{{ ansible_play_hosts_all | multidb.platform.service_health(hostvars) }}"
"""

RETURN = r"""
_value:
  description: The entries of the contract for those hosts.
  type: dict
"""


def service_hosts(services, hosts):
    wanted = set(hosts)
    return {name: entry for name, entry in services.items() if name in wanted}


def service_facts(registry, keys):
    """{service: {key: value}} with only `keys` of each registry entry: the other keys (the
    role inputs, templates of facts that exist only on service hosts) are never evaluated."""
    return {name: {key: entry[key] for key in keys if key in entry} for name, entry in registry.items()}


def secret_names(registry, environment):
    """The secrets the services have in `environment`, in the registry's order: each entry's
    `secrets`, narrowed to the listed subset where its `secrets_per_environment` names the
    environment (the object store's Garage secrets exist locally only: on AWS it is S3)."""
    names = []
    for entry in registry.values():
        only = (entry.get("secrets_per_environment") or {}).get(environment)
        names.extend(name for name in entry.get("secrets") or [] if only is None or name in only)
    return names


def tls_servers(registry):
    """{service: subject alternative names} of the services that speak TLS under multidb_tls
    (entries with `tls.names`), for the tls role's tls_servers. Entries whose `tls` says
    `plaintext`, and those without `tls`, get no certificate."""
    return {name: list((entry.get("tls") or {})["names"]) for name, entry in registry.items()
            if (entry.get("tls") or {}).get("names")}


def service_health(hosts, hostvars, suffix="_health"):
    """{service: what its health check recorded} for each host that recorded one."""
    found = {}
    for host in hosts:
        variables = hostvars[host] if host in hostvars else {}
        key = f"{host}{suffix}"
        if key in variables:
            found[host] = variables[key]
    return found


class FilterModule:
    def filters(self):
        return {"service_hosts": service_hosts, "service_health": service_health, "service_facts": service_facts,
                "secret_names": secret_names, "tls_servers": tls_servers}
