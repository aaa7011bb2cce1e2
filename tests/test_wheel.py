"""The wheel holds every package the commands use: built, installed into a fresh virtualenv, run.

The fresh environment gets the locked dependencies from the test's own virtualenv (its
site-packages as a plain path, so the checkout's editable install is not seen) and the
project only from the wheel; the commands run outside the checkout.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import sysconfig
import venv
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
# What the wheel is built from (the project's packages and their metadata).
SOURCES = ("pyproject.toml", "README.md", "geo", "api", "web", "data")


@pytest.fixture(scope="module")
def fresh(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A new virtualenv with the project's wheel installed (and nothing of the checkout)."""
    tmp = tmp_path_factory.mktemp("wheel")
    source = tmp / "source"  # a clean copy: a build/ folder in the checkout could hold modules moved since
    source.mkdir()
    for name in SOURCES:
        if (ROOT / name).is_dir():  # without caches and the generated demo (data/demo)
            shutil.copytree(ROOT / name, source / name, ignore=shutil.ignore_patterns("__pycache__", "demo"))
        else:
            shutil.copy2(ROOT / name, source / name)
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "--no-build-isolation", "-q", "-w",
                    str(tmp / "dist"), str(source)], check=True, cwd=tmp)
    wheel = next((tmp / "dist").glob("wangge-*.whl"))
    env_dir = tmp / "venv"
    venv.EnvBuilder(with_pip=False).create(env_dir)
    python = env_dir / "bin" / "python"
    site = subprocess.run([str(python), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
                          check=True, capture_output=True, text=True).stdout.strip()
    Path(site, "locked_dependencies.pth").write_text(sysconfig.get_paths()["purelib"] + "\n")
    subprocess.run([sys.executable, "-m", "pip", "--python", str(python), "install", "--no-deps", "-q", str(wheel)],
                   check=True, cwd=tmp)
    return env_dir


def _run(fresh: Path, *args: str, cwd: Path) -> subprocess.CompletedProcess:
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONPATH", "VIRTUAL_ENV")}
    return subprocess.run([str(fresh / "bin" / "wangge"), *args], capture_output=True, text=True, cwd=cwd, env=env,
                          timeout=300)


def test_the_wheel_alone_provides_the_packages(fresh: Path) -> None:
    code = "import geo, api, web, data, data.demo_city; print(geo.__file__, data.demo_city.__file__)"
    out = subprocess.run([str(fresh / "bin" / "python"), "-c", code], check=True, capture_output=True, text=True,
                         cwd=fresh).stdout
    assert all(path.startswith(str(fresh)) for path in out.split()), out


def test_commands_run_from_the_wheel(fresh: Path, tmp_path: Path) -> None:
    helped = _run(fresh, "--help", cwd=tmp_path)
    assert helped.returncode == 0, helped.stderr
    assert "generate" in helped.stdout
    made = _run(fresh, "generate", str(tmp_path / "demo"), "--seed", "7", cwd=tmp_path)
    assert made.returncode == 0, made.stderr
    manifest = json.loads((tmp_path / "demo" / "manifest.json").read_text(encoding="utf-8"))
    assert manifest and (tmp_path / "demo" / "incidents.csv").is_file()
