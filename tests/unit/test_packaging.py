"""The install paths agree: environment.yml, pyproject.toml, constraints.txt, Makefile."""

from __future__ import annotations

import re
from pathlib import Path

import tomllib
import yaml

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def _name(requirement: str) -> str:
    return re.split(r"[<>=!~\[; ]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def test_environment_yml_installs_the_project_with_the_cpu_and_dev_extras():
    env = yaml.safe_load((ROOT / "environment.yml").read_text())
    deps = env["dependencies"]
    python = [d for d in deps if isinstance(d, str) and d.startswith("python=")]
    project = _pyproject()["project"]
    assert python, "environment.yml must pin python"
    major_minor = python[0].split("=")[1]
    low = re.search(r">=\s*([\d.]+)", project["requires-python"]).group(1)
    high = re.search(r"<\s*([\d.]+)", project["requires-python"]).group(1)
    as_tuple = lambda v: tuple(int(x) for x in v.split("."))  # noqa: E731
    assert as_tuple(low) <= as_tuple(major_minor) < as_tuple(high)
    pip_section = next(d["pip"] for d in deps if isinstance(d, dict) and "pip" in d)
    assert "-e .[cpu,dev]" in pip_section
    assert "-c constraints.txt" in pip_section
    extras = project["optional-dependencies"]
    assert {"cpu", "gpu", "dev"} <= set(extras)


def test_every_dependency_is_pinned_in_constraints():
    project = _pyproject()["project"]
    wanted = {_name(r) for r in project["dependencies"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["cpu"]}
    wanted |= {_name(r) for r in project["optional-dependencies"]["dev"]}
    pinned = {
        _name(line)
        for line in (ROOT / "constraints.txt").read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    missing = sorted(wanted - pinned)
    assert not missing, f"add to constraints.txt (pip freeze): {missing}"


def test_every_dependency_has_an_upper_bound():
    project = _pyproject()["project"]
    reqs = list(project["dependencies"]) + project["optional-dependencies"]["cpu"]
    unbounded = [r for r in reqs if "<" not in r]
    assert not unbounded, f"pin an upper bound for: {unbounded}"


def test_makefile_uses_the_same_extras_and_constraints():
    makefile = (ROOT / "Makefile").read_text()
    assert "-c constraints.txt" in makefile
    assert '".[$(TF_EXTRA),dev]"' in makefile
