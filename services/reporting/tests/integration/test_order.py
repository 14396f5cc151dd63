"""Events arriving twice or out of order change nothing wrong: a shuffled, duplicated stream gives exactly the
facts, cubes and figures of the ordered one (the aggregate's version on each event decides)."""
from __future__ import annotations

import random

import pytest

from .conftest import make_env, value
from .streams import org_bodies, random_history

SEEDS = [1, 2, 3, 4, 5]


def fed(env, bodies):
    for event in bodies:
        assert env.feed(event) in ("processed", "duplicate")
    return env


@pytest.fixture
def two_envs(migrated_settings):
    envs = [make_env(migrated_settings("reporting")) for _ in range(2)]
    yield envs
    for env in envs:
        env.platform.dispose()


@pytest.mark.parametrize("seed", SEEDS)
def test_a_shuffled_duplicated_stream_gives_the_figures_of_the_ordered_one(two_envs, seed):
    ordered_env, shuffled_env = two_envs
    history = random_history(seed)
    fed(ordered_env, org_bodies() + history)
    rng = random.Random(seed)
    stream = org_bodies() + history + rng.sample(history, len(history) // 3)  # a third delivered twice
    rng.shuffle(stream)
    fed(shuffled_env, stream)
    assert shuffled_env.facts() == ordered_env.facts()
    assert shuffled_env.cubes() == ordered_env.cubes()
    assert ordered_env.cubes()["cube_deviations"], "the history counted nothing"
    whole = ordered_env.figures()
    assert any(row["process_step_id"] for row in value(whole, "deviations", "by_process")), "no process step counted"
    assert value(whole, "actions", "effect_followed_up") > 0, "no action with its effect followed up"
    for query in ({}, {"unit_id": "a0000000-0000-0000-0000-00000000000f"},
                  {"from": "2026-02-14", "to": "2026-10-03"}):
        assert shuffled_env.figures(**query)["sections"] == ordered_env.figures(**query)["sections"]


@pytest.mark.parametrize("seed", SEEDS[:3])
def test_a_shuffled_duplicated_stream_folded_in_batches_gives_the_figures_of_the_ordered_one(two_envs, seed):
    """The worker's batches (ordning_shared.consumer.handle_batch): an aggregate's events late, early, repeated
    within one batch and across batches, several aggregates and the org tree in one transaction."""
    from ordning_shared import consumer
    from ordning_shared.events import parse

    from ordning_reporting.handlers import HANDLERS

    ordered_env, batched_env = two_envs
    history = random_history(seed)
    fed(ordered_env, org_bodies() + history)
    rng = random.Random(seed)
    stream = org_bodies() + history + rng.sample(history, len(history) // 3)
    rng.shuffle(stream)
    outcomes = []
    while stream:
        size = rng.choice((1, 2, 7, 30, 100))
        batch, stream = stream[:size], stream[size:]
        outcomes += consumer.handle_batch(batched_env.platform, HANDLERS, [parse(raw) for raw in batch])
    assert outcomes.count("duplicate") == len(history) // 3
    assert batched_env.facts() == ordered_env.facts()
    assert batched_env.cubes() == ordered_env.cubes()
    for query in ({}, {"unit_id": "a0000000-0000-0000-0000-00000000000f"}):
        assert batched_env.figures(**query)["sections"] == ordered_env.figures(**query)["sections"]
