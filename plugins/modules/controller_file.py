#!/usr/bin/python
# -*- coding: utf-8 -*-
# Copyright: multidb-platform engineers
# Apache-2.0 (see galaxy.yml)

from __future__ import annotations

DOCUMENTATION = r"""
---
module: controller_file
short_description: Write a small private file on the controller (state records, var-files, reports)
version_added: 0.3.0
description:
  - Makes the file at O(path) on the controller hold O(content) with permissions O(mode), writing a
    temporary file in the same directory and renaming it over the old one (a reader never sees half a
    file, a crash leaves the old one).
  - An action plugin only; nothing is sent to a target and no module process is started. The
    platform's own records (the Terraform var-files, C(inputs.tfvars.json), C(services.json), the health
    and drift reports) live in the state directory on the controller, which is where the service hosts'
    C(ansible_connection=local) tasks run. Writing them through M(ansible.builtin.copy) cost a C(stat)
    and a C(copy) module process each, on every run.
  - Reports C(changed) when the content or the mode differs; in check mode writes nothing and reports
    what it would change. With C(--diff) shows the old and new content (use C(no_log) for secrets).
  - The parent directory must exist. In check mode a missing directory is one an earlier task would have
    created, as in a first run under C(--check), and the file is reported as to be created.
options:
  path:
    description: Absolute path of the file on the controller.
    type: path
    required: true
  content:
    description: The whole content of the file.
    type: str
    required: true
  mode:
    description: Permissions of the file, as an octal string.
    type: str
    default: "0600"
attributes:
  check_mode:
    support: full
  diff_mode:
    support: full
  platform:
    platforms: posix
notes:
  - Runs on the controller whatever the host's connection; use it for files of the controller only.
author:
  - multidb-platform engineers
"""

EXAMPLES = r"""
- name: Write the services contract (no secrets)
  multidb.platform.controller_file:
    path: "{{ state_dir }}/services.json"
    content: "{{ services | to_nice_json }}\n"
    mode: "0600"
"""

RETURN = r"""
path:
  description: The file.
  returned: always
  type: str
"""
