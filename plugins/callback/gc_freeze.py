# -*- coding: utf-8 -*-
# Copyright: multidb-platform contributors
# GNU General Public License v3.0+ (see https://www.gnu.org/licenses/gpl-3.0.txt)
from __future__ import annotations

DOCUMENTATION = r"""
name: gc_freeze
type: aggregate
short_description: Lets the forked task workers leave the controller's objects alone
description:
  - Ansible forks a worker from the controller process for every task on every host (a task
    that is skipped too). When Python's cyclic garbage collector runs in a worker, it walks
    every object the worker inherited from the controller (the inventory, the plays, the
    variables), which writes to each of their pages and makes the kernel copy them
    (copy-on-write). On the platform's runs that was most of a worker's time for the many
    short tasks (C(set_fact), C(assert), skips).
  - This plugin calls Python's C(gc.freeze()) in the controller before each task is queued,
    which moves the objects that exist at that moment into a permanent generation the
    collector does not walk, so a worker's collections only look at what the worker made.
    At the start of each play it unfreezes and collects once, so the controller's own
    garbage of the previous play is still freed.
  - It prints nothing and changes no result. On a 2-core machine it made C(site.yml --check)
    about 2 s faster (24 s -> 22 s), and its CPU time less by as much.
requirements:
  - Enable it in C(ansible.cfg) (C(callbacks_enabled = multidb.platform.gc_freeze)), as the
    project's C(ansible.cfg) does.
author: multidb-platform contributors
"""

import gc

from ansible.plugins.callback import CallbackBase


class CallbackModule(CallbackBase):
    """Freeze the controller's heap before workers are forked."""

    CALLBACK_VERSION = 2.0
    CALLBACK_TYPE = "aggregate"
    CALLBACK_NAME = "multidb.platform.gc_freeze"
    CALLBACK_NEEDS_ENABLED = True

    def v2_playbook_on_play_start(self, play):
        # What the last play left unreachable (reference cycles) is collected once here,
        # then the rest frozen again: the frozen generation never holds garbage for long.
        gc.unfreeze()
        gc.collect()
        gc.freeze()

    def v2_playbook_on_task_start(self, task, is_conditional):
        gc.freeze()

    def v2_playbook_on_handler_task_start(self, task):
        gc.freeze()

    def v2_playbook_on_stats(self, stats):
        gc.unfreeze()
