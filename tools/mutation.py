"""`make mutation`: mutmut over the unit tests of the modules whose rules matter most; prints a score per module.

mutmut 2.x rewrites the source in place, so each module is mutated in a copy of the tree (under
$ORDNING_MUTATION_DIR, default var/mutation), never in the working tree; the copy goes first on PYTHONPATH,
ahead of the editable installs. The modules run in parallel, one mutmut each (mutmut 2 runs mutants serially).

    python tools/mutation.py [--root DIR] [module ...]      (modules: see MODULES)
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
MUTMUT = Path(os.environ.get("ORDNING_MUTMUT", HERE / ".venv-mutmut" / "bin" / "mutmut"))
PYTHONPATH_DIRS = ("shared", "services/deviations", "services/processes")
_DEVIATIONS_UNIT = "services/deviations/tests/unit/"
# module -> (source mutated, the unit tests that guard it). Pure-domain tests run without the root conftest
# (--noconftest): its infrastructure fixtures cost more imports than the tests take, once per mutant.
MODULES = {
    "deviations.domain": ("services/deviations/ordning_deviations/domain.py", "--noconftest " + " ".join(
        _DEVIATIONS_UNIT + name for name in ("test_domain.py", "test_calendar.py", "test_permissions.py",
                                             "test_contract.py", "test_boundaries.py", "test_refusals.py"))),
    "shared.auth": ("shared/ordning_shared/auth.py",
                    "shared/tests/unit/test_auth.py shared/tests/unit/test_http.py"),
    "processes.domain": ("services/processes/ordning_processes/domain/org.py",
                         "--noconftest services/processes/tests/unit/test_org_domain.py"),
}
STATUSES = ("killed", "timeout", "suspicious", "survived", "skipped", "untested")
COPY_IGNORE = shutil.ignore_patterns(".venv*", "__pycache__", "*.egg-info", ".mutmut-cache", "var", ".git",
                                     "node_modules", "*.pyc")


def copy_tree(root: Path, target: Path) -> None:
    if target.exists():
        shutil.rmtree(target)
    target.mkdir(parents=True)
    for name in ("shared", "services"):
        shutil.copytree(root / name, target / name, ignore=COPY_IGNORE)
    for name in ("conftest.py", "pyproject.toml"):
        shutil.copy2(root / name, target / name)


def start(name: str, root: Path, work: Path) -> subprocess.Popen:
    source, tests = MODULES[name]
    tree = work / name
    copy_tree(root, tree)
    runner = f"{sys.executable} -m pytest -x -q -p no:cacheprovider -p no:randomly {tests}"
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(str(tree / d) for d in PYTHONPATH_DIRS),
           "PYTHONDONTWRITEBYTECODE": "1"}
    log = open(work / f"{name}.log", "w")
    test_paths = [arg for arg in tests.split() if not arg.startswith("-")]
    return subprocess.Popen([str(MUTMUT), "run", "--paths-to-mutate", source, "--tests-dir", test_paths[0],
                             "--runner", runner, "--no-progress", "--CI"],
                            cwd=tree, env=env, stdout=log, stderr=subprocess.STDOUT)


def results(name: str, work: Path) -> dict[str, list[str]]:
    tree = work / name
    ids = {}
    for status in STATUSES:
        out = subprocess.run([str(MUTMUT), "result-ids", status], cwd=tree, capture_output=True, text=True)
        ids[status] = out.stdout.split()
    return ids


def write_survivors(name: str, work: Path, survived: list[str]) -> Path:
    """Every surviving mutant's diff, for reading (the ids are mutmut's, in that module's copy)."""
    path = work / f"{name}.survivors.diff"
    with open(path, "w") as out:
        for mutant in survived:
            shown = subprocess.run([str(MUTMUT), "show", mutant], cwd=work / name, capture_output=True, text=True)
            out.write(f"# mutant {mutant}\n{shown.stdout}\n")
    return path


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("modules", nargs="*", help=f"some of {', '.join(MODULES)} (default: all)")
    parser.add_argument("--root", type=Path, default=HERE, help="tree whose code is mutated (default: this one)")
    parser.add_argument("--work", type=Path, default=Path(os.environ.get("ORDNING_MUTATION_DIR",
                                                                       HERE / "var" / "mutation")))
    args = parser.parse_args(argv)
    args.modules = args.modules or list(MODULES)
    unknown = set(args.modules) - set(MODULES)
    if unknown:
        parser.error(f"unknown modules {sorted(unknown)}; known: {', '.join(MODULES)}")
    if not MUTMUT.exists():
        sys.exit(f"{MUTMUT} not found: run `make mutation` (it installs mutmut into .venv-mutmut)")
    args.work.mkdir(parents=True, exist_ok=True)
    began = time.monotonic()
    runs = {name: start(name, args.root.resolve(), args.work) for name in args.modules}
    for name, process in runs.items():
        if process.wait() != 0:
            print(f"{name}: mutmut failed, see {args.work / (name + '.log')}", file=sys.stderr)
            return 1
    print(f"{'module':<20} {'killed':>7} {'total':>6} {'score':>6} {'survived':>9} {'timeout':>8}  survivors")
    for name in args.modules:
        ids = results(name, args.work)
        total = sum(len(v) for v in ids.values())
        # "suspicious": the tests failed, only slowly; a mutant that hangs them (timeout) fails CI too.
        killed = len(ids["killed"]) + len(ids["suspicious"]) + len(ids["timeout"])
        score = 100.0 * killed / total if total else 0.0
        survivors = write_survivors(name, args.work, ids["survived"])
        print(f"{name:<20} {killed:>7} {total:>6} {score:>5.1f}% {len(ids['survived']):>9} "
              f"{len(ids['timeout']):>8}  {survivors}")
    print(f"({time.monotonic() - began:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
