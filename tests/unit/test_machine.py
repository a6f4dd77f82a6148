"""``gan_study.machine``: the CPU model and the checkout that computed something."""

from __future__ import annotations

import re
import shutil

import pytest

from gan_study import machine


def test_cpu_model_reads_the_model_name(tmp_path):
    info = tmp_path / "cpuinfo"
    info.write_text("processor\t: 0\nmodel name\t: Example CPU @ 2.00GHz\nflags\t: fpu\n")
    assert machine.cpu_model(info) == "Example CPU @ 2.00GHz"
    assert machine.cpu_model(tmp_path / "absent")  # falls back to platform, never empty


def test_git_outside_a_checkout_is_none(tmp_path):
    assert machine.git("rev-parse", "HEAD", cwd=tmp_path) is None
    assert machine.git_commit(tmp_path) is None


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_git_commit_of_this_checkout_is_a_full_hash():
    commit = machine.git_commit()
    assert commit is None or re.fullmatch(r"[0-9a-f]{40}", commit)
