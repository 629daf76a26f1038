# -*- coding: utf-8 -*-
"""Filters of the preflight play: validate the platform's variables from a table of rules.

The rules and the services are data (roles/preflight/defaults/main.yml); this file holds
no service names, so a new service is covered by adding data, not code.
"""

from __future__ import annotations

import os

DOCUMENTATION = r"""
name: preflight_errors
short_description: Validate platform variables against a table of rules
description:
  - Returns one message per offending variable, naming it and what is allowed, never its value
    when the rule is C(secret).
  - Used by the C(multidb.platform.preflight) role before anything is created.
options:
  _input:
    description: Variables to check, by name (only the ones that are defined).
    type: dict
    required: true
  rules:
    description: Ordered list of rules; the first whose C(name) regex matches a variable applies.
    type: list
    elements: dict
    required: true
  services:
    description: Known services by name, with per-service facts (C(memory_min_mb), C(node_count_var), C(tls)).
    type: dict
    required: true
  platform_words:
    description: First words of C(multidb_<word>_...) variables that are platform settings, not services.
    type: list
    elements: str
    required: true
  context:
    description: Facts rules refer to with C(choices_from) (for example the existing environments).
    type: dict
    default: {}
"""

EXAMPLES = r"""
- name: Collect the errors
  ansible.builtin.set_fact:
    errors: "{{ values | multidb.platform.preflight_errors(rules, services, ['project'], {'environments': ['local']}) }}"
"""

RETURN = r"""
_value:
  description: Error messages, one per offending variable; empty when everything is valid.
  type: list
  elements: str
"""

import re

_TRUE = {"true", "yes", "on", "1"}
_FALSE = {"false", "no", "off", "0"}
_INT_RE = re.compile(r"^[+-]?[0-9]+$")
_FLOAT_RE = re.compile(r"^[+-]?([0-9]+\.?[0-9]*|\.[0-9]+)$")
_SERVICE_VAR_RE = re.compile(r"^multidb_([a-z0-9]+)_(.+)$")


def _as_bool(value):
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str) and value.strip().lower() in _TRUE | _FALSE:
        return value.strip().lower() in _TRUE
    raise ValueError


def _as_int(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, int):
        return value
    if isinstance(value, float) and value.is_integer():
        return int(value)
    if isinstance(value, str) and _INT_RE.match(value.strip()):
        return int(value.strip())
    raise ValueError


def _as_float(value):
    if isinstance(value, bool):
        raise ValueError
    if isinstance(value, (int, float)):
        return float(value)
    if isinstance(value, str) and _FLOAT_RE.match(value.strip()):
        return float(value.strip())
    raise ValueError


def _bounds(rule, service_facts):
    low = rule.get("min")
    if rule.get("min_from"):
        low = service_facts.get(rule["min_from"], low)
    return low, rule.get("max")


def _range_text(low, high, unit=""):
    if low is not None and high is not None:
        return "from %s to %s%s" % (low, high, unit)
    if low is not None:
        return "at least %s%s" % (low, unit)
    return "at most %s%s" % (high, unit)


def _check(name, value, rule, service_facts, context, values=None):
    """Return an error message, or None when the value is allowed (`values`: every variable set,
    for the rules that name another one)."""
    kind = rule.get("type", "str")
    allowed = rule.get("allowed")
    unit = rule.get("unit", "")
    if kind == "bool":
        try:
            _as_bool(value)
        except ValueError:
            return "%s must be a boolean (true or false), got %s" % (name, _shown(value, rule))
        return None
    if kind in ("int", "float"):
        try:
            number = _as_int(value) if kind == "int" else _as_float(value)
        except ValueError:
            what = "an integer" if kind == "int" else "a number"
            return "%s must be %s%s, got %s" % (
                name, what, " " + _range_text(*_bounds(rule, service_facts), unit=unit)
                if any(b is not None for b in _bounds(rule, service_facts)) else "", _shown(value, rule))
        if rule.get("choices") and number not in rule["choices"]:
            return "%s must be one of %s, got %s" % (name, ", ".join(str(c) for c in rule["choices"]), _plain(value))
        low, high = _bounds(rule, service_facts)
        if rule.get("exclusive_min") is not None and number <= rule["exclusive_min"]:
            return "%s must be greater than %s and at most %s, got %s" % (name, rule["exclusive_min"], high,
                                                                          _plain(value))
        if (low is not None and number < low) or (high is not None and number > high):
            return "%s must be %s %s, got %s" % (
                name, "an integer" if kind == "int" else "a number", _range_text(low, high, unit), _plain(value))
        return None
    if kind == "str":
        if not isinstance(value, str):
            return "%s must be a string (%s), got %s" % (name, allowed or "text", _shown(value, rule))
        if rule.get("choices") or rule.get("choices_from"):
            choices = rule.get("choices") or context.get(rule["choices_from"], [])
            if value not in choices:
                return "%s must be one of %s, got %s" % (name, ", ".join(sorted(choices)) or "(none found)",
                                                         _shown(value, rule))
        if rule.get("pattern") and not re.search(rule["pattern"], value):
            return "%s must be %s, got %s" % (name, allowed or "a string matching " + rule["pattern"],
                                               _shown(value, rule))
        if value in rule.get("forbidden", []):
            return "%s must not be one of %s" % (name, ", ".join(rule["forbidden"]))
        return None
    if kind == "list":
        if not isinstance(value, list):
            return "%s must be a list (%s), got %s" % (name, allowed or "YAML sequence", _shown(value, rule))
        bad = [item for item in value
               if rule.get("items_pattern") and not (isinstance(item, str) and re.search(rule["items_pattern"], item))]
        if bad:
            return "%s must hold %s; refused: %s" % (name, rule.get("items_allowed") or "strings matching "
                                                     + rule["items_pattern"], ", ".join(repr(_plain(i)) for i in bad))
        if len(set(map(str, value))) != len(value):
            return "%s lists an item twice" % name
        return None
    if kind == "map":
        if not isinstance(value, dict):
            return "%s must be a mapping (%s), got %s" % (name, allowed or "YAML mapping", _shown(value, rule))
        bad = [key for key, item in value.items()
               if not (isinstance(key, str) and re.search(rule.get("keys_pattern", ""), key)
                       and isinstance(item, str) and re.search(rule.get("values_pattern", ""), item))]
        if bad:
            return "%s must be %s; refused: %s" % (name, allowed or "a mapping of strings",
                                                   ", ".join(repr(_plain(k)) for k in bad))
        return None
    if kind == "secrets":
        if not isinstance(value, dict):
            return "%s must be a mapping of secret name to value, got a %s" % (name, _type_name(value).split()[-1])
        known = context.get(rule.get("keys_from", ""), [])
        # `keys_per`: the variable the known names depend on (the secrets of the run's environment)
        per = rule.get("keys_per")
        where = " with %s=%s" % (per, _plain(values[per])) if per and per in (values or {}) else ""
        errors = []
        for key in sorted(value):
            if known and key not in known:
                errors.append("%s.%s is not a secret of this platform%s; allowed names: %s"
                              % (name, key, where, ", ".join(known)))
            elif not isinstance(value[key], str) or not re.search(rule["pattern"], value[key]):
                length = len(value[key]) if isinstance(value[key], str) else 0
                errors.append("%s.%s must be %s (the value given has %d characters; not shown)"
                              % (name, key, allowed, length))
        return "; ".join(errors) or None
    return "preflight rule for %s has an unknown type %r" % (name, kind)


def _type_name(value):
    """The plain YAML type of a value, never an internal class (Ansible hands the filters
    tagged subclasses of float, str...)."""
    for kind, name in ((bool, "boolean"), (int, "integer"), (float, "float"), (str, "string"),
                       (dict, "mapping"), (list, "list")):
        if isinstance(value, kind):
            return name
    return "value of type %s" % type(value).__name__.lstrip("_")


def _yaml(value):
    """A condition's value as it is written in YAML (true, not True)."""
    return str(value).lower() if isinstance(value, bool) else value


def _plain(value):
    """The value as the user wrote it, without Ansible's tagged types in its repr."""
    for kind in (bool, int, float, str):
        if isinstance(value, kind):
            return kind(value)
    if isinstance(value, dict):
        return {_plain(k): _plain(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_plain(v) for v in value]
    return value


def _shown(value, rule):
    if rule.get("secret"):
        return "a value (not shown)"
    if isinstance(value, str):
        return repr(str(value))
    kind = _type_name(value)
    return "%s %s (%r)" % ("an" if kind[0] in "aeiou" else "a", kind, _plain(value))


def _rule_for(name, rules):
    for rule in rules:
        if re.search(rule["name"], name):
            return rule
    return None


def _equals(value, wanted):
    """A condition's value matches: a boolean condition also matches the strings a boolean is
    given as (`-e name=true` on a command line, `yes`/`no` answers of an AWX survey)."""
    if isinstance(wanted, bool):
        try:
            return _as_bool(value) == wanted
        except ValueError:
            return False
    return value == wanted


def _confirmation_error(name, values, rule):
    """`confirmed_by` ({variable, value_of, required_when}): when this (boolean) variable is true,
    `variable` must repeat the value of `value_of` (for example the project name) if it is given,
    and must be given when every condition of `required_when` holds."""
    confirm = rule.get("confirmed_by")
    if not confirm or not _equals(values[name], True):
        return None
    other, source = confirm["variable"], confirm["value_of"]
    expected = values.get(source)
    given = values.get(other) not in (None, "")
    if given and str(values[other]) != str(expected):
        return "%s must be the value of %s ('%s') to confirm %s=true, got %s" % (
            other, source, _plain(expected), name, _shown(values[other], {}))
    required = confirm.get("required_when") or {}
    if not given and required and all(_equals(values.get(k), v) for k, v in required.items()):
        return "%s=true %s: confirm it by setting %s to the value of %s ('%s') (%s)" % (
            name, confirm.get("reason", "needs a confirmation"), other, source, _plain(expected),
            ", ".join("%s is %s" % (k, _yaml(v)) for k, v in required.items()))
    return None


def _services_error(name, values, rule, services):
    """`enabled_services_need` ({fact, reason}, on a boolean): when this variable is true, every
    enabled service (its multidb_<service>_enabled is not false) must have `fact` among its facts
    in the service registry (`tls`: what multidb_tls does to it). Each one without is named with
    its switch, followed by the services that may be enabled with this variable true."""
    need = rule.get("enabled_services_need")
    if not need or not _equals(values[name], True):
        return None
    fact = need["fact"]
    lacking = [service for service in sorted(services)
               if _enabled(values, service) and (services[service] or {}).get(fact) is None]
    if not lacking:
        return None
    allowed = [service for service in sorted(services) if (services[service] or {}).get(fact) is not None]
    return "%s=true with %s: %s; set %s to use %s (or %s=false); services allowed with %s=true: %s" % (
        name, " and ".join("multidb_%s_enabled=true" % s for s in lacking),
        "; ".join("%s %s" % (s, need.get("reason", "does not support it")) for s in lacking),
        " and ".join("multidb_%s_enabled=false" % s for s in lacking), name, name, name,
        ", ".join(allowed) or "none")


def _condition_error(name, values, rule):
    """`required_when` / `only_when` ({other variable: value}): the variable must be non-empty
    when the other variable has that value, or must be empty unless it has. `choices_when`
    ({other variable: {its value: [allowed values]}}) narrows the allowed values, with
    `choices_reason` saying why; `different_from` (other variables) refuses an equal value."""
    given = values[name] not in (None, "", [], {})
    for other, narrowed in (rule.get("choices_when") or {}).items():
        choices = narrowed.get(values.get(other)) if isinstance(narrowed, dict) else None
        if choices and values[name] not in choices:
            return "%s must be %s when %s is %s%s, got %s" % (
                name, ("one of " if len(choices) > 1 else "") + ", ".join(map(str, choices)), other, values.get(other),
                " (%s)" % rule["choices_reason"] if rule.get("choices_reason") else "", _shown(values[name], rule))
    for other in rule.get("different_from") or []:
        if given and values.get(other) == values[name]:
            return "%s must differ from %s (both are %s)" % (name, other, _shown(values[name], rule))
    joined = rule.get("joined_max")  # {with: other variable, max: length, when: {variable: value}, reason}
    if joined and all(values.get(k) == v for k, v in (joined.get("when") or {}).items()):
        text = "%s-%s" % (values.get(joined["with"], ""), values[name])
        if len(text) > joined["max"]:
            return "%s-%s ('%s', %d characters) must be at most %d characters%s" % (
                joined["with"], name, text, len(text), joined["max"],
                " (%s)" % joined["reason"] if joined.get("reason") else "")
    for other, wanted in (rule.get("required_when") or {}).items():
        if _equals(values.get(other), wanted) and not given:
            return "%s is required when %s is %s" % (name, other, _yaml(wanted))
    for other, wanted in (rule.get("only_when") or {}).items():
        if given and not _equals(values.get(other), wanted):
            return "%s is only used when %s is %s (it is %s): remove it or set %s=%s" % (
                name, other, wanted, _shown(values.get(other), {}), other, wanted)
    return None


def preflight_errors(values, rules, services, platform_words, context=None):
    """One message per offending variable (see DOCUMENTATION)."""
    context = context or {}
    errors = []
    for name in sorted(values):
        match = _SERVICE_VAR_RE.match(name)
        service = match.group(1) if match else None
        if match and service not in services and service not in platform_words:
            errors.append("%s: unknown service '%s'; allowed services: %s"
                          % (name, service, ", ".join(sorted(services))))
            continue
        rule = _rule_for(name, rules)
        if rule is None or rule.get("type") == "skip":
            continue
        message = (_check(name, values[name], rule, services.get(service) or {}, context, values)
                   or _condition_error(name, values, rule)
                   or _confirmation_error(name, values, rule)
                   or _services_error(name, values, rule, services)
                   or _window_error(name, values, rule, service))
        if message:
            errors.append(message)
    errors.extend(_port_errors(values, rules, services))
    return errors


_DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
_WEEK = 7 * 24 * 60


def _window(text):
    """(start, length) in minutes of a maintenance window: `hh:mm-hh:mm` (daily, start within
    the day) or `ddd:hh:mm-ddd:hh:mm` (weekly, start within the week); None if malformed.
    A window may run past midnight (or past Sunday)."""
    match = re.match(r"^(?:([a-z]{3}):)?(\d\d):(\d\d)-(?:([a-z]{3}):)?(\d\d):(\d\d)$", str(text))
    if not match or bool(match.group(1)) != bool(match.group(4)):
        return None
    day1, h1, m1, day2, h2, m2 = match.groups()
    if day1 and (day1 not in _DAYS or day2 not in _DAYS):
        return None
    period = _WEEK if day1 else 24 * 60
    start = (_DAYS.index(day1) * 1440 if day1 else 0) + int(h1) * 60 + int(m1)
    end = (_DAYS.index(day2) * 1440 if day2 else 0) + int(h2) * 60 + int(m2)
    return start, (end - start) % period, period


def _minutes_of_week(window):
    """Every minute of the week the window covers (a daily window covers it on all 7 days)."""
    start, length, period = window
    return {(day * period + start + minute) % _WEEK for day in range(_WEEK // period) for minute in range(length)}


def _window_error(name, values, rule, service):
    """`min_minutes`: the window lasts at least that long (the managed services refuse shorter
    ones); `not_overlapping`: another window (`{service}` is replaced by this variable's service)
    that must not share a minute with it (RDS, DocumentDB and ElastiCache refuse overlaps)."""
    if not (rule.get("min_minutes") or rule.get("not_overlapping")):
        return None
    window = _window(values[name])
    if window is None:
        return None  # the pattern reports it
    if rule.get("min_minutes") and not window[1] >= rule["min_minutes"]:
        return "%s must last at least %d minutes, got %s (%d minutes)" % (name, rule["min_minutes"],
                                                                           _shown(values[name], rule), window[1])
    other = (rule.get("not_overlapping") or "").replace("{service}", service or "")
    other_window = _window(values.get(other)) if other in values else None
    if other_window and _minutes_of_week(window) & _minutes_of_week(other_window):
        return "%s (%s) overlaps %s (%s): the service refuses a backup window inside its maintenance window" % (
            name, _plain(values[name]), other, _plain(values[other]))
    return None


def _enabled(values, service):
    try:
        return _as_bool(values.get("multidb_%s_enabled" % service, True))
    except ValueError:
        return True


def preflight_ca_bundle_errors(values, services, environment, is_file=os.path.isfile):
    """Errors for the named CA bundles: every name the enabled services need in `environment`
    (registry `ca_bundles`: {environment: name}) must be mapped by multidb_tls_ca_bundles, and
    every file that variable names must exist on this machine (`is_file`)."""
    files = values.get("multidb_tls_ca_bundles") or {}
    if not isinstance(files, dict):
        return []  # the rule table refuses it
    needed = {}
    for service, entry in sorted(services.items()):
        name = ((entry or {}).get("ca_bundles") or {}).get(environment)
        if name and _enabled(values, service):
            needed.setdefault(name, []).append(service)
    errors = ["multidb_tls_ca_bundles has no file for '%s', the CA bundle that %s on %s %s (the PEM file of its CAs)"
              % (name, ", ".join(users), environment, "needs" if len(users) == 1 else "need")
              for name, users in sorted(needed.items()) if not files.get(name)]
    errors += ["multidb_tls_ca_bundles['%s'] is not a file on this machine: %s" % (name, path)
               for name, path in sorted(files.items()) if path and not is_file(str(path))]
    return errors


def requested_ports(values, rules, services):
    """{port: [variable, ...]} for every host port the enabled services would publish."""
    ports = {}
    for name in sorted(values):
        match = _SERVICE_VAR_RE.match(name)
        rule = _rule_for(name, rules)
        if not match or match.group(1) not in services or not rule or not rule.get("port"):
            continue
        service = match.group(1)
        if not _enabled(values, service):
            continue
        try:
            first = _as_int(values[name])
            span = _instances(values, service, services[service])
        except ValueError:
            continue
        for port in range(first, first + max(span, 1)):
            ports.setdefault(port, []).append(name)
    return ports


def _port_errors(values, rules, services):
    errors = []
    for port, names in sorted(requested_ports(values, rules, services).items()):
        if len(names) > 1:
            errors.append("%s: the same host port %d is given to more than one enabled service; "
                          "each service needs its own port" % (" and ".join(names), port))
        elif port > 65535:
            errors.append("%s: the service would publish host port %d, above 65535" % (names[0], port))
    return errors


def preflight_ports(values, rules, services):
    """{port: variable} for the host ports (up to 65535) the enabled services would publish."""
    return {port: " and ".join(names) for port, names in requested_ports(values, rules, services).items()
            if port <= 65535}


def _instances(values, service, facts):
    """How many containers of the service the values ask for (its node count, or 1)."""
    count_var = (facts or {}).get("node_count_var")
    try:
        return max(_as_int(values.get(count_var, 1)), 1) if count_var else 1
    except ValueError:
        return 1


def preflight_memory_errors(values, services, total_bytes):
    """Memory limits the machine cannot give: one service's limit (per container) above the
    machine's memory as the Docker engine reports it, or the enabled services' limits
    (times their node counts) adding up to more than it."""
    total_mb = int(total_bytes) // (1024 * 1024)
    if total_mb <= 0:
        return []
    errors, parts, used = [], [], 0
    for service in sorted(services):
        name = "multidb_%s_memory_mb" % service
        if name not in values or not _enabled(values, service):
            continue
        try:
            limit = _as_int(values[name])
        except ValueError:
            continue  # reported by the rules
        count = _instances(values, service, services[service])
        if limit > total_mb:
            errors.append("%s = %d MiB is more than this machine's memory (%d MiB, as the Docker engine "
                          "reports it); give at most %d" % (name, limit, total_mb, total_mb))
        used += limit * count
        parts.append("%s%s" % (name, " x %d nodes" % count if count > 1 else ""))
    if not errors and used > total_mb:
        errors.append("the memory limits of the enabled services add up to %d MiB (%s), more than this "
                      "machine's memory (%d MiB, as the Docker engine reports it); lower them or switch "
                      "services off" % (used, " + ".join(parts), total_mb))
    return errors


def _ipv4_network(text):
    import ipaddress

    try:
        return ipaddress.ip_network(text, strict=False)
    except ValueError:
        return None


def _routes(proc_net_route):
    """(interface, network) of every route in /proc/net/route text but the default route."""
    import ipaddress
    import socket
    import struct

    found = []
    for line in proc_net_route.splitlines()[1:]:
        fields = line.split()
        if len(fields) < 8:
            continue
        try:
            dest = socket.inet_ntoa(struct.pack("<L", int(fields[1], 16)))
            mask = socket.inet_ntoa(struct.pack("<L", int(fields[7], 16)))
            network = ipaddress.ip_network("%s/%s" % (dest, mask), strict=False)
        except (ValueError, struct.error, OSError):
            continue
        if network.prefixlen > 0:
            found.append((fields[0], network))
    return found


def preflight_subnet_errors(subnet, networks, proc_net_route, project, variable="multidb_network_subnet"):
    """The project's subnet must overlap no Docker network of the engine (other than this
    instance's own, labelled project=<project>) and no route of the host (other than the
    bridges of Docker networks, already covered)."""
    wanted = _ipv4_network(str(subnet))
    if wanted is None:
        return []  # a malformed subnet is reported by the rules
    errors = []
    bridges = {"docker0"}
    for net in networks or []:
        bridges.add((net.get("Options") or {}).get("com.docker.network.bridge.name") or "br-%s" % net.get("Id", "")[:12])
        if ((net.get("Labels") or {}).get("project")) == project:
            continue
        for config in ((net.get("IPAM") or {}).get("Config") or []):
            other = _ipv4_network(config.get("Subnet", ""))
            if other is not None and other.version == 4 and wanted.overlaps(other):
                errors.append("%s = %s overlaps the Docker network '%s' (%s)" % (variable, subnet, net.get("Name"), other))
    for iface, other in _routes(proc_net_route or ""):
        if iface not in bridges and wanted.overlaps(other):
            errors.append("%s = %s overlaps the host's route to %s (interface %s)" % (variable, subnet, other, iface))
    if errors:
        errors.append("choose an IPv4 subnet (/16 to /26) that no network of this machine uses, e.g. in 10.213.0.0/16")
    return errors


class FilterModule:
    def filters(self):
        return {"preflight_errors": preflight_errors, "preflight_ports": preflight_ports,
                "preflight_memory_errors": preflight_memory_errors,
                "preflight_subnet_errors": preflight_subnet_errors,
                "preflight_ca_bundle_errors": preflight_ca_bundle_errors}
