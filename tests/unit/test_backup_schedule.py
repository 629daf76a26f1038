"""Unit tier: playbooks/backup-schedule.yml writes a systemd service and timer that systemd accepts
(`systemd-analyze verify`), runs backup.yml of this checkout on the inventory given, is idempotent,
refuses a calendar expression systemd cannot parse before writing anything, and removes both
units with multidb_backup_schedule_state=absent. The units go to a temporary directory: outside
/etc/systemd/system nothing is enabled or started (no systemd runs this test's machine)."""

from __future__ import annotations

import os
import re
import subprocess
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]


def _run(units: Path, *extra: str) -> subprocess.CompletedProcess:
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    return subprocess.run(["ansible-playbook", "-i", "inventories/local", "playbooks/backup-schedule.yml",
                           "-e", f"multidb_backup_schedule_unit_dir={units}", *extra],
                          cwd=REPO, env=env, capture_output=True, text=True, timeout=120)


def _changed(out: str) -> int:
    return int(re.search(r"localhost\s*:.*changed=(\d+)", out).group(1))


def test_schedule_units(tmp_path):
    units = tmp_path / "units"
    units.mkdir()
    first = _run(units)
    assert first.returncode == 0, first.stdout + first.stderr
    service, timer = units / "multidb-backup-multidb.service", units / "multidb-backup-multidb.timer"
    text = service.read_text()
    assert f"ExecStart={REPO}/.venv/bin/ansible-playbook -i {REPO}/inventories/local {REPO}/playbooks/backup.yml" in text
    assert "OnCalendar=*-*-* 02:00:00 UTC" in timer.read_text() and "Persistent=true" in timer.read_text()
    verify = subprocess.run(["systemd-analyze", "verify", str(timer), str(service)], capture_output=True, text=True)
    # verify checks the units' syntax and that ExecStart exists (the venv link of this checkout)
    assert verify.returncode == 0, verify.stdout + verify.stderr
    again = _run(units)
    assert again.returncode == 0 and _changed(again.stdout) == 0, again.stdout

    bad = _run(units, "-e", "multidb_backup_schedule='every day at noon'")
    assert bad.returncode != 0 and "multidb_backup_schedule" in bad.stdout, bad.stdout
    assert "02:00:00" in timer.read_text(), "a refused schedule was written"

    gone = _run(units, "-e", "multidb_backup_schedule_state=absent")
    assert gone.returncode == 0, gone.stdout
    assert list(units.iterdir()) == []
