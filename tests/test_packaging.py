"""The package as PyPI would get it: its metadata, the release workflow, and the built wheel
installed into a fresh virtualenv outside the checkout building a site."""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path

import pytest
import yaml
from conftest import FIXTURE_SITE, REPO, tree

from digest import __version__

RELEASE = REPO / ".github" / "workflows" / "release.yml"
PYPROJECT = tomllib.loads((REPO / "pyproject.toml").read_text())


def _release() -> dict:
    return yaml.safe_load(RELEASE.read_text())


def _version_check(flow: dict) -> dict:
    steps = [s for s in flow["jobs"]["build"]["steps"] if "tag" in s.get("name", "").lower()]
    assert len(steps) == 1, [s.get("name") for s in flow["jobs"]["build"]["steps"]]
    return steps[0]


def test_metadata_names_the_distribution_its_license_and_one_version():
    project = PYPROJECT["project"]
    assert project["name"] == "digest-ssg"
    assert project["license"] == "MIT"  # a PEP 639 expression, not the deprecated table
    assert all((REPO / f).is_file() for f in project["license-files"])
    assert project["dynamic"] == ["version"]
    dynamic = PYPROJECT["tool"]["setuptools"]["dynamic"]
    assert dynamic["version"] == {"attr": "digest.__version__"}


def test_readme_install_commands_name_the_current_version():
    readme = (REPO / "README.md").read_text()
    install = readme[readme.index("\n## Install\n") : readme.index("\n## Articles\n")]
    versions = re.findall(r"digest-ssg(?:==| @ git\+\S+@v)([0-9][^'\"\s]*)", install)
    assert len(versions) == 2, install
    assert set(versions) == {__version__}


def test_every_non_python_file_of_the_package_is_package_data():
    globs = PYPROJECT["tool"]["setuptools"]["package-data"]["digest"]
    package = REPO / "digest"
    data = [
        p.relative_to(package).as_posix()
        for p in package.rglob("*")
        if p.is_file() and p.suffix not in {".py", ".pyc"} and "__pycache__" not in p.parts
    ]
    assert data, "the theme's templates, assets and strings"
    missing = [f for f in data if not any(fnmatch.fnmatch(f, g) for g in globs)]
    assert missing == [], "would be left out of the wheel"


def test_release_workflow_publishes_a_version_tag_through_trusted_publishing():
    flow = _release()
    triggers = flow.get("on", flow.get(True))  # YAML 1.1 reads a bare `on` as true
    assert triggers == {"push": {"tags": ["v*"]}}
    build = flow["jobs"]["build"]
    runs = "\n".join(s.get("run", "") for s in build["steps"])
    assert "python -m build" in runs
    assert "twine check --strict" in runs
    assert any(s.get("uses", "").startswith("actions/upload-artifact@") for s in build["steps"])

    publish = flow["jobs"]["publish"]
    assert publish["needs"] == "build"
    assert publish["environment"]["name"] == "pypi"
    assert publish["permissions"] == {"id-token": "write"}
    uses = [s.get("uses", "") for s in publish["steps"]]
    assert "pypa/gh-action-pypi-publish@release/v1" in uses
    # Trusted publishing: no API token handed to the action.
    assert not any("password" in s.get("with", {}) for s in publish["steps"])
    # Only the publish job may ask for an OIDC token.
    assert flow["permissions"] == {"contents": "read"}


@pytest.mark.parametrize(
    ("tag", "ok"),
    [(f"v{__version__}", True), (__version__, False), ("v0.0.0-not-this", False)],
)
def test_release_fails_unless_the_tag_is_v_and_the_package_version(tmp_path, tag, ok):
    step = _version_check(_release())
    assert step["env"]["TAG"] == "${{ github.ref_name }}"
    script = step["run"].replace("python ", f"{sys.executable} ")
    # Run as GitHub would, from the root of a checkout.
    env = {**os.environ, "TAG": tag}
    env.pop("PYTHONPATH", None)
    run = subprocess.run(["bash", "-c", script], cwd=REPO, env=env, capture_output=True, text=True)
    assert (run.returncode == 0) == ok, run.stdout + run.stderr
    if not ok:
        assert f"want v{__version__}" in run.stdout


def _run(cmd: list[str | Path], cwd: Path, env: dict[str, str]) -> str:
    run = subprocess.run(cmd, cwd=cwd, env=env, capture_output=True, text=True, timeout=300)
    assert run.returncode == 0, f"{cmd}\n{run.stdout}\n{run.stderr}"
    return run.stdout


@pytest.mark.slow
def test_the_built_wheel_installs_in_a_fresh_venv_and_builds_a_site(tmp_path):
    outside = tmp_path / "outside"
    outside.mkdir()
    assert REPO not in outside.resolve().parents
    # Nothing of the checkout may leak in: not PYTHONPATH, not an editable install's path.
    env = {k: v for k, v in os.environ.items() if k not in {"PYTHONPATH", "VIRTUAL_ENV"}}
    env["PIP_DISABLE_PIP_VERSION_CHECK"] = "1"

    # The files a build reads, copied, so building leaves nothing (build/, *.egg-info) in the
    # checkout; pip wheel needs no `build` package and builds in isolation as `build` does.
    source = tmp_path / "source"
    source.mkdir()
    for name in ("pyproject.toml", "README.md", "LICENSE"):
        shutil.copy2(REPO / name, source / name)
    shutil.copytree(
        REPO / "digest", source / "digest", ignore=shutil.ignore_patterns("__pycache__")
    )
    wheels = tmp_path / "wheels"
    _run(
        [sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "-w", wheels, source],
        outside,
        env,
    )
    (wheel,) = wheels.glob("*.whl")
    assert wheel.name == f"digest_ssg-{__version__}-py3-none-any.whl"

    venv = tmp_path / "venv"
    _run([sys.executable, "-m", "venv", venv], outside, env)
    python, digest = venv / "bin" / "python", venv / "bin" / "digest"
    _run([python, "-m", "pip", "install", "-q", wheel], outside, env)

    imported = Path(_run([python, "-c", "import digest; print(digest.__file__)"], outside, env))
    assert venv.resolve() in Path(str(imported).strip()).resolve().parents
    assert _run([digest, "--version"], outside, env).strip() == f"digest {__version__}"

    # A new project, as `digest init` writes it, builds with the installed theme.
    _run([digest, "init", "my-digest"], outside, env)
    site = outside / "my-digest"
    _run([digest, "build"], site, env)
    assert "Welcome to your digest" in (site / "site" / "index.html").read_text()

    # And the fixture site, with every page kind: byte for byte the golden output, so the
    # wheel holds every template, asset and language's strings the checkout has.
    fixture = outside / "fixture"
    shutil.copytree(FIXTURE_SITE, fixture, ignore=shutil.ignore_patterns("site", ".digest-cache"))
    _run([digest, "build"], fixture, env)
    built, golden = tree(fixture / "site"), tree(REPO / "tests" / "golden")
    assert sorted(built) == sorted(golden)
    assert [rel for rel in golden if built[rel] != golden[rel]] == []
