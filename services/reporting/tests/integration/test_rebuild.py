"""The rebuild command: dropping the read models and refilling them from the stored events gives the figures of
the incremental path, also while events keep arriving."""
from __future__ import annotations

import io
import random
import threading
from datetime import date

import pytest
import sqlalchemy as sa
from ordning_reporting import db, projection
from ordning_reporting.rebuild import RebuildError, main, rebuild

from .conftest import value
from .streams import A, U, Case, org_bodies, random_history


def snapshot(env):
    with env.platform.engine.connect() as conn:
        units = {tuple(row) for row in conn.execute(sa.select(db.tables.org_units))}
    return env.facts(), env.cubes(), units


def test_a_rebuild_gives_the_figures_of_the_incremental_path(env):
    history = random_history(11, cases=60, actions=20)
    stream = history + random.Random(11).sample(history, 20)
    random.Random(12).shuffle(stream)
    for event in stream:
        env.feed(event)
    before = snapshot(env)
    figures = env.figures()
    out = io.StringIO()
    result = rebuild(env.platform.engine, None, out)
    assert snapshot(env) == before
    assert env.figures()["sections"] == figures["sections"]
    assert value(figures, "deviations", "total") > 0
    assert result.events == len(history) + len(org_bodies())  # each stored once
    assert "events/s" in out.getvalue() and f"{len(history):,}/{len(history):,}" in out.getvalue()
    with env.platform.engine.connect() as conn:
        assert set(conn.execute(sa.select(db.read_model_state.c.status)).scalars()) == {"ready"}


def test_one_model_is_rebuilt_from_history_and_the_others_are_left_alone(env):
    for event in random_history(5):
        env.feed(event)
    before = snapshot(env)
    with env.platform.engine.begin() as conn:  # a read model that lost its rows (or is new)
        conn.execute(db.facts.delete().where(db.facts.c.model == "actions"))
        conn.execute(db.CUBE_TABLES["cube_actions"].delete())
    assert value(env.figures(), "actions", "created") == 0
    rebuild(env.platform.engine, ["actions"])
    assert snapshot(env) == before
    with pytest.raises(RebuildError, match="unknown read model"):
        rebuild(env.platform.engine, ["nonsense"])


def test_events_arriving_during_a_rebuild_are_folded_once(env, migrated_settings):
    from .conftest import make_env

    history = random_history(21, cases=150, actions=30)
    first, later = history[: len(history) // 2], history[len(history) // 2:]
    for event in first:
        env.feed(event)
    feeding = threading.Thread(target=lambda: [env.feed(event) for event in later])
    feeding.start()
    rebuild(env.platform.engine)
    feeding.join()
    reference = make_env(migrated_settings("reporting"))
    try:
        for event in org_bodies() + history:
            reference.feed(event)
        assert env.facts() == reference.facts()
        assert env.cubes() == reference.cubes()
    finally:
        reference.platform.dispose()


def test_while_a_model_is_rebuilding_the_worker_stores_and_does_not_fold(env):
    with env.platform.engine.begin() as conn:
        conn.execute(db.read_model_state.update().where(db.read_model_state.c.model == "deviations")
                     .values(status=projection.REBUILDING))
    case = Case(A, "avvikelse", U["e1"], date(2026, 3, 3)).report()
    env.feed(case.bodies[0])
    assert value(env.figures(), "deviations", "total") == 0
    with env.platform.engine.begin() as conn:  # the rebuild, when it runs, folds what was stored
        conn.execute(db.read_model_state.update().values(status=projection.READY))
    rebuild(env.platform.engine, ["deviations"])
    assert value(env.figures(), "deviations", "total") == 1


def test_the_command(env, monkeypatch, capsys):
    for event in random_history(3, cases=5, actions=2):
        env.feed(event)
    monkeypatch.setenv("ORDNING_DATABASE_URL", env.settings.database_url)
    monkeypatch.setenv("ORDNING_DATA_DIR", str(env.settings.data_dir))
    main(["--list"])
    assert capsys.readouterr().out.split() == ["org_units", "deviations", "actions", "risk_analyses", "risks",
                                                  "risk_proposals", "risk_matrices", "documents", "goals",
                                                  "processes"]
    main(["deviations", "actions"])
    err = capsys.readouterr().err
    assert "rebuilt deviations, actions:" in err and "events/s" in err
    with pytest.raises(SystemExit, match="unknown read model"):
        main(["self_inspections"])
