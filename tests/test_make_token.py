"""`TOKEN=$(make token USER_NAME=anna)` captures the token and nothing else, also when make installs first."""
from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import jwt
import pytest

pytestmark = [pytest.mark.e2e, pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed")]

ROOT = Path(__file__).resolve().parent.parent
JWT = re.compile(r"[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+")


def make_token(data_dir: Path, *make_options: str) -> subprocess.CompletedProcess:
    # A user's shell: not inside `make test`, whose sub-makes print "Entering directory" on stdout.
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("ORDNING_") and name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    env["ORDNING_DATA_DIR"] = str(data_dir)
    return subprocess.run(["make", "token", "USER_NAME=anna", *make_options], cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=600)


def assert_only_a_token(result: subprocess.CompletedProcess) -> None:
    assert result.returncode == 0, result.stderr
    assert JWT.fullmatch(result.stdout.rstrip("\n")), repr(result.stdout[:500])
    assert result.stdout.count("\n") == 1
    claims = jwt.decode(result.stdout.strip(), options={"verify_signature": False})
    assert claims["sub"] == "demo-anna" and claims["tenant"] == "0138"


def test_make_token_prints_only_the_token(tmp_path):
    assert_only_a_token(make_token(tmp_path))


def test_make_token_prints_only_the_token_when_it_installs_first(tmp_path):
    # -W: as if the services' packaging had just changed, so the install step runs (into the venv that
    # is there, where it changes nothing) before the token is printed.
    result = make_token(tmp_path, "-W", "shared/pyproject.toml")
    assert "installing the services' packages" in result.stderr
    assert_only_a_token(result)
