"""Unit tier: multidb.platform.controller_file, the action plugin that writes the platform's records
(var-files, services.json, reports) on the controller without a module process. One playbook runs
every case against files in a temporary directory: created, unchanged, content changed, mode
changed, check mode (reports, writes nothing), diff, the refusals (relative path, bad mode, missing
directory), and no temporary file left behind."""

from __future__ import annotations

import json
import os
import stat
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

PLAYBOOK = """
- hosts: localhost
  connection: local
  gather_facts: false
  vars:
    dir: "{{ lookup('ansible.builtin.env', 'CF_DIR') }}"
  tasks:
    - {name: create, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "one\\n"}, register: create}
    - {name: same, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "one\\n"}, register: same}
    - {name: check, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "two\\n"}, register: check,
       check_mode: true, diff: true}
    - {name: secret diff, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "s3cr3t\\n"},
       register: secret_diff, check_mode: true, diff: true, no_log: true}
    - {name: check new, multidb.platform.controller_file: {path: "{{ dir }}/never", content: "x"}, register: check_new,
       check_mode: true}
    - {name: check no dir, multidb.platform.controller_file: {path: "{{ dir }}/later/c", content: "x"},
       register: check_no_dir, check_mode: true, diff: true}
    - {name: content, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "two\\n"}, register: content}
    - {name: mode, multidb.platform.controller_file: {path: "{{ dir }}/a.json", content: "two\\n", mode: "0640"},
       register: mode}
    - {name: relative, multidb.platform.controller_file: {path: "a.json", content: "x"}, register: relative,
       ignore_errors: true}
    - {name: bad mode, multidb.platform.controller_file: {path: "{{ dir }}/b", content: "x", mode: "rw"},
       register: bad_mode, ignore_errors: true}
    - {name: no dir, multidb.platform.controller_file: {path: "{{ dir }}/missing/c", content: "x"},
       register: no_dir, ignore_errors: true}
    - name: results
      ansible.builtin.copy:
        dest: "{{ dir }}/results.json"
        content: >-
          {{ {'create': create, 'same': same, 'check': check, 'secret_diff': secret_diff, 'check_new': check_new, 'check_no_dir': check_no_dir, 'content': content,
              'mode': mode, 'relative': relative, 'bad_mode': bad_mode, 'no_dir': no_dir} | to_json }}
"""


def test_controller_file(tmp_path):
    files = tmp_path / "files"
    files.mkdir()
    playbook = tmp_path / "play.yml"
    playbook.write_text(PLAYBOOK)
    env = dict(os.environ, CF_DIR=str(files), ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-e", f"ansible_python_interpreter={sys.executable}",
                           str(playbook)], cwd=REPO, env=env,
                          capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    r = json.loads((files / "results.json").read_text())

    assert r["create"]["changed"] is True
    assert r["same"]["changed"] is False
    assert r["check"]["changed"] is True
    assert r["check"]["diff"] == {"before_header": str(files / "a.json"), "after_header": str(files / "a.json"),
                                  "before": "one\n", "after": "two\n"}
    assert r["secret_diff"]["changed"] is True and "diff" not in r["secret_diff"]
    assert r["check_new"]["changed"] is True and not (files / "never").exists()
    # a first run under --check: the directory an earlier task would create is not there yet
    assert r["check_no_dir"]["changed"] is True and r["check_no_dir"]["diff"]["before"] == ""
    assert not (files / "later").exists()
    assert r["content"]["changed"] is True
    assert r["mode"]["changed"] is True
    assert (files / "a.json").read_text() == "two\n"
    assert stat.S_IMODE((files / "a.json").stat().st_mode) == 0o640

    assert r["relative"]["failed"] and "must be absolute" in r["relative"]["msg"]
    assert r["bad_mode"]["failed"] and "octal" in r["bad_mode"]["msg"]
    assert r["no_dir"]["failed"] and "does not exist" in r["no_dir"]["msg"]
    # the atomic write leaves no temporary file behind
    assert sorted(p.name for p in files.iterdir()) == ["a.json", "results.json"]


def test_new_file_is_private(tmp_path):
    """The default mode is 0600 from the first byte (the secret var-files use it)."""
    playbook = tmp_path / "play.yml"
    playbook.write_text("- hosts: localhost\n  gather_facts: false\n  tasks:\n"
                        "    - multidb.platform.controller_file: {path: '%s', content: secret}\n" % (tmp_path / "s"))
    env = dict(os.environ, ANSIBLE_CONFIG=str(REPO / "ansible.cfg"), ANSIBLE_NOCOLOR="1")
    proc = subprocess.run(["ansible-playbook", "-i", "localhost,", "-c", "local", str(playbook)], cwd=REPO,
                          env=env, capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert stat.S_IMODE((tmp_path / "s").stat().st_mode) == 0o600
    assert (tmp_path / "s").read_text() == "secret"
