"""Unit tier: multidb.platform.gc_freeze, the callback that freezes the controller's heap before
Ansible forks a task's worker. Through ansible-playbook, a task's worker finds the controller's
objects frozen (none without the callback: the same run is the control), every result unchanged;
driven directly, a play's start collects the garbage the previous play left frozen."""

from __future__ import annotations

import gc
import importlib.util
import os
import re
import subprocess
import weakref
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
# One task: its worker templates the test filter, which says what the worker's collector holds frozen.
PLAYBOOK = ('[{hosts: localhost, connection: local, gather_facts: false, tasks: [{name: worker gc, '
            'ansible.builtin.debug: {msg: "WORKER_GC={{ (0 | worker_gc).frozen }}."}}]}]')


def _worker_frozen(tmp_path: Path, callbacks: str) -> int:
    playbook = tmp_path / "gc.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1",
               ANSIBLE_CALLBACKS_ENABLED=callbacks,
               ANSIBLE_FILTER_PLUGINS=str(Path(__file__).parent / "data" / "worker_gc"))
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", str(playbook)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout[-3000:] + proc.stderr[-3000:]
    return int(re.search(r"WORKER_GC=([0-9]+)[.]", proc.stdout).group(1))


def test_a_tasks_worker_finds_the_controllers_objects_frozen(tmp_path):
    frozen = _worker_frozen(tmp_path, "multidb.platform.gc_freeze")
    assert frozen > 10000, f"only {frozen} objects frozen in the worker"
    # the control: the same run without the callback leaves the worker's collector walking them all
    assert _worker_frozen(tmp_path, "ansible.posix.timer") == 0


def _plugin():
    spec = importlib.util.spec_from_file_location("gc_freeze", REPO / "plugins/callback/gc_freeze.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.CallbackModule()


class _Cycle:
    def __init__(self):
        self.me = self


def test_a_plays_start_frees_the_garbage_that_was_frozen():
    plugin = _plugin()
    try:
        cycle = _Cycle()
        gone = weakref.ref(cycle)
        del cycle  # garbage now, reachable only from itself
        plugin.v2_playbook_on_task_start(task=None, is_conditional=False)
        gc.collect()
        assert gone() is not None, "a frozen cycle was collected: nothing was frozen"
        assert gc.get_freeze_count() > 0
        plugin.v2_playbook_on_play_start(play=None)
        assert gone() is None, "the play's start left the frozen garbage alone"
        assert gc.get_freeze_count() > 0, "the play's start did not freeze again"
    finally:
        plugin.v2_playbook_on_stats(stats=None)
    assert gc.get_freeze_count() == 0, "the end of the run left objects frozen"
