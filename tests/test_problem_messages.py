"""Every message a client reads is a Swedish sentence followed by the English one, and every status has one
title: checked on every Problem class and every place in the source that raises one, and on the platform's
own answers (werkzeug's and flask-smorest's errors, gunicorn's refusals, JSON and field errors)."""
from __future__ import annotations

import ast
from pathlib import Path

import pytest

from ordning_shared import fields as platform_fields
from ordning_shared import http
from ordning_shared.gunicorn_worker import UNREADABLE_REQUESTS
from ordning_shared.problems import TITLES, Problem, RateLimited
from ordning_shared.testing import detail_shape_failures, message_shape_failures

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted([*ROOT.glob("shared/ordning_shared/**/*.py"), *ROOT.glob("services/*/ordning_*/**/*.py"),
                  *ROOT.glob("services/*/migrations/**/*.py")])


def problem_classes() -> list[type[Problem]]:
    import ordning_deviations.app  # noqa: F401 (loads every error class of the services)
    import ordning_processes.app  # noqa: F401
    import ordning_risks.app  # noqa: F401
    import ordning_reporting.app  # noqa: F401
    import ordning_notify.app  # noqa: F401

    found, stack = [], [Problem]
    while stack:
        for sub in stack.pop().__subclasses__():
            found.append(sub)
            stack.append(sub)
    return [cls for cls in found if cls.__module__.startswith("ordning_")]


# Exceptions whose arguments become a problem's detail, besides the Problem classes themselves.
MESSAGE_CARRIERS = {"InvalidJSON", "InvalidSetting", "Unauthorized"}


def rendered(node: ast.expr) -> str | None:
    """The text of a string expression, each value put in as X; None for what is not a string expression."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return node.value
    if isinstance(node, ast.JoinedStr):
        return "".join(part.value if isinstance(part, ast.Constant) else "X" for part in node.values)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        left, right = rendered(node.left), rendered(node.right)
        if left is None and right is None:
            return None
        return (left if left is not None else "X") + (right if right is not None else "X")
    return None


def _name(func: ast.expr) -> str | None:
    return func.id if isinstance(func, ast.Name) else func.attr if isinstance(func, ast.Attribute) else None


def message_sites(names: set[str]):
    """(where, class name, sv node, en node, positional count) of every call that makes one of `names`, and
    of every `super().__init__(...)` in a class of theirs."""
    for path in SOURCES:
        tree = ast.parse(path.read_text(), str(path))
        for cls in [None, *[node for node in ast.walk(tree) if isinstance(node, ast.ClassDef)]]:
            body = tree if cls is None else cls
            for node in ast.walk(body):
                if not isinstance(node, ast.Call):
                    continue
                name = _name(node.func)
                is_super = (name == "__init__" and isinstance(node.func.value, ast.Call)
                            and _name(node.func.value.func) == "super" and cls is not None and cls.name in names)
                if (name in names and cls is None) or is_super:
                    where = f"{path.relative_to(ROOT)}:{node.lineno}"
                    yield where, cls.name if is_super else name, node.args


def test_every_problem_class_has_its_status_title():
    classes = problem_classes()
    assert len(classes) > 30
    for cls in classes:
        assert cls.title == TITLES[cls.http_status], cls


def test_a_class_that_declares_its_own_title_gets_its_status_title_still():
    class Quota(Problem):
        http_status, title, code = 409, "Quota exceeded", "quota"

    assert Quota.title == "Conflict"


def test_every_place_that_raises_a_problem_gives_a_swedish_then_an_english_sentence():
    import sys

    names = {cls.__name__ for cls in problem_classes()} | {"Problem", "RateLimited"} | MESSAGE_CARRIERS
    names |= {name for module_name, module in list(sys.modules.items()) if module_name.startswith("ordning_")
              for name, value in vars(module).items()
              if isinstance(value, type) and issubclass(value, Problem)}  # aliases: Stale = PreconditionFailed
    failures, checked, classes_seen = [], 0, set()
    for where, name, args in message_sites(names):
        if any(isinstance(arg, ast.Starred) for arg in args) or not args:
            continue  # (*error.args): checked where those were raised
        texts = [rendered(arg) for arg in args[:2]]
        if len(args) == 1:
            if texts[0] is not None or name in MESSAGE_CARRIERS:
                failures.append(f"{where} {name}: one message; give the Swedish sentence and the English one")
            continue
        if None in texts:
            continue  # values passed on (a label pair, a unit id): the calls that make them are checked
        checked += 1
        classes_seen.add(name)
        failures += [f"{where} {name}: {failure}" for failure in message_shape_failures(*texts)]
    assert not failures, "\n".join(failures)
    assert checked > 80 and len(classes_seen) > 30


def test_the_platforms_own_messages_are_swedish_then_english():
    failures = []
    for status, (sv, en) in http.HTTP_ERROR_MESSAGES.items():
        failures += [f"HTTP {status}: {failure}" for failure in message_shape_failures(sv, en)]
    for _, problem, (sv, en) in UNREADABLE_REQUESTS:
        failures += [f"gunicorn {problem.http_status}: {failure}" for failure in message_shape_failures(sv, en)]
    failures += message_shape_failures(*http.too_large(1024)) + message_shape_failures(*http.TOO_DEEP)
    for name in ("CONTROL_ERROR", "SURROGATE_ERROR", "BIDI_ERROR", "INVISIBLE_ERROR", "_YEAR_ERROR"):
        failures += [f"fields.{name}: {failure}" for failure in detail_shape_failures(getattr(platform_fields, name))]
    for field in (platform_fields.UUIDString, platform_fields.StrictBoolean, platform_fields.QueryBoolean,
                  platform_fields.BoundedInteger):
        for message in field.default_error_messages.values():
            failures += [f"{field.__name__}: {failure}" for failure in detail_shape_failures(message)]
    assert not failures, "\n".join(failures)


@pytest.mark.parametrize("detail, good", [
    ("Ärendet är stängt. The case is closed.", True),
    ("Ärendet är stängt / the case is closed", False),
    ("The case is closed. Ärendet är stängt.", False),
    ("Ärendet är stängt.", False),
    ("Ärendet är closed. The case is stängt.", False),
    ("the request does not match the schema; see errors", False),
])
def test_the_shape_check_tells_a_good_message_from_a_bad_one(detail, good):
    assert (detail_shape_failures(detail) == []) is good


def test_a_rate_limit_message_is_swedish_then_english():
    problem = RateLimited("För många försök; försök igen om 3 sekunder.", "Too many requests; try again in 3 "
                          "seconds.", retry_after=3)
    assert problem.document()["detail"] == ("För många försök; försök igen om 3 sekunder. Too many requests; "
                                            "try again in 3 seconds.")
    assert problem.document()["title"] == "Too Many Requests"
