"""The tenant's risk matrix over HTTP: the default, versions, If-Match, and every kind of bad matrix refused
whole, with nothing changed."""
from __future__ import annotations

import copy

import pytest

from .conftest import ADMIN, CHEF_E1, STAFF_E1

pytestmark = pytest.mark.integration
PROBLEM = "application/problem+json"
M = "/api/v1/risk-matrix"


def five_by_three() -> dict:
    """A 5×3 matrix with three levels: score >= 10 high, >= 4 medium, else low; threshold medium."""
    def level(p, c):
        return "hog" if p * c >= 10 else "medel" if p * c >= 4 else "lag"
    return {
        "probability_steps": [{"value": i, "label": f"P{i}", "description": ""} for i in range(1, 6)],
        "consequence_steps": [{"value": i, "label": f"K{i}"} for i in range(1, 4)],
        "levels": [{"code": "lag", "label": "Låg", "colour": "#00aa00"},
                   {"code": "medel", "label": "Medel", "colour": "#ffcc00"},
                   {"code": "hog", "label": "Hög", "colour": "#cc0000"}],
        "cells": [{"probability": p, "consequence": c, "level": level(p, c)} for p in range(1, 6) for c in range(1, 4)],
        "plan_threshold": "medel",
    }


def test_the_default_is_domain_md_4x4(env):
    r = env.client.get(M, headers=env.auth(*STAFF_E1))
    assert r.status_code == 200 and r.headers["ETag"] == '"risk-matrix.1"'
    matrix = r.get_json()
    assert [s["label"] for s in matrix["probability_steps"]] == ["Mycket liten", "Liten", "Stor", "Mycket stor"]
    assert [s["label"] for s in matrix["consequence_steps"]] == ["Mindre", "Måttlig", "Betydande", "Katastrofal"]
    assert [level["code"] for level in matrix["levels"]] == ["lag", "medel", "hog", "mycket_hog"]
    assert matrix["plan_threshold"] == "hog" and matrix["version"] == 1
    ranks = {level["code"]: i for i, level in enumerate(matrix["levels"])}
    for cell in matrix["cells"]:
        p, c = cell["probability"], cell["consequence"]
        assert (ranks[cell["level"]] >= ranks["hog"]) == (p * c >= 8 or c >= 3), cell
    assert len(matrix["cells"]) == 16
    # read again: the same version, nothing new written
    assert env.client.get(M, headers=env.auth(*CHEF_E1)).headers["ETag"] == '"risk-matrix.1"'
    assert env.count(env.platform.metadata.tables["risk_matrices"]) == 1


def test_put_makes_a_new_version_and_keeps_the_old(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    r = env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag})
    assert r.status_code == 200, r.get_json()
    assert r.headers["ETag"] == '"risk-matrix.2"' and r.get_json()["created_by"] == "adam"
    assert len(r.get_json()["probability_steps"]) == 5 and len(r.get_json()["consequence_steps"]) == 3
    old = env.client.get(f"{M}/versions/1", headers=admin).get_json()
    assert len(old["probability_steps"]) == 4 and old["version"] == 1
    assert env.client.get(f"{M}/versions/2", headers=admin).get_json()["plan_threshold"] == "medel"
    assert env.client.get(f"{M}/versions/3", headers=admin).status_code == 404
    # the old ETag is stale now
    r = env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag})
    assert r.status_code == 412 and r.headers["Content-Type"] == PROBLEM
    assert env.client.put(M, json=five_by_three(), headers=admin).status_code == 428


def test_only_an_administrator_changes_it(env):
    for who in (CHEF_E1, STAFF_E1):
        headers = env.auth(*who)
        r = env.client.put(M, json=five_by_three(), headers={**headers, "If-Match": '"risk-matrix.1"'})
        assert r.status_code == 403
    assert env.client.get(M, headers=env.auth("p", ["namnd"], ["n"])).status_code == 403


def _bad_matrices():
    good = five_by_three()

    def edit(change):
        matrix = copy.deepcopy(good)
        change(matrix)
        return matrix

    yield "gap", edit(lambda m: m["cells"].pop()), "cells: gap_at_probability_5_consequence_3"
    yield "overlap", edit(lambda m: m["cells"].append({"probability": 1, "consequence": 1, "level": "hog"})), \
        "overlapping_cell"
    yield "unknown level", edit(lambda m: m["cells"][0].update(level="extrem")), "unknown_level"
    yield "cell outside", edit(lambda m: m["cells"].append({"probability": 5, "consequence": 4, "level": "hog"})), \
        "outside_matrix"
    yield "two steps", edit(lambda m: m.update(consequence_steps=m["consequence_steps"][:2])), "3_to_5_steps"
    yield "six steps", edit(lambda m: m["probability_steps"].append({"value": 6, "label": "P6"})), "3_to_5_steps"
    yield "step numbering", edit(lambda m: m["probability_steps"][1].update(value=3)), "must_be_2"
    yield "bad colour", edit(lambda m: m["levels"][0].update(colour="green")), "not_#rrggbb"
    yield "duplicate level", edit(lambda m: m["levels"].append({"code": "lag", "label": "L", "colour": "#000000"})), \
        "duplicate"
    yield "unknown threshold", edit(lambda m: m.update(plan_threshold="extrem")), "plan_threshold: unknown_level"
    yield "one level", edit(lambda m: m.update(levels=m["levels"][:1])), "2_to_6_levels"


@pytest.mark.parametrize("name, body, error", list(_bad_matrices()), ids=[n for n, _b, _e in _bad_matrices()])
def test_a_bad_matrix_is_refused_whole(env, name, body, error):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    before = env.counts()
    r = env.client.put(M, json=body, headers={**admin, "If-Match": etag})
    assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM, r.get_json()
    assert r.get_json()["code"] == "invalid_risk_matrix"
    found = [f"{path}: {code}" for path, codes in r.get_json()["errors"]["json"].items() for code in codes]
    assert any(error in each for each in found), found
    assert env.counts() == before
    assert env.client.get(M, headers=admin).headers["ETag"] == etag


def test_malformed_matrices_are_422_and_change_nothing(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    before = env.counts()
    good = five_by_three()
    for body in ({**good, "extra": 1}, {**good, "cells": "all"}, {k: v for k, v in good.items() if k != "levels"},
                 {**good, "probability_steps": [{"value": "ett", "label": "x"}] * 3},
                 {**good, "cells": [{"probability": 1, "consequence": 1, "level": "lag"}] * 51}):
        r = env.client.put(M, json=body, headers={**admin, "If-Match": etag})
        assert r.status_code == 422 and r.headers["Content-Type"] == PROBLEM
    assert env.counts() == before


def test_tenants_have_their_own_matrix(env):
    admin = env.auth(*ADMIN)
    etag = env.client.get(M, headers=admin).headers["ETag"]
    assert env.client.put(M, json=five_by_three(), headers={**admin, "If-Match": etag}).status_code == 200
    other = env.auth("olle", ["administrator"], ["fb"], tenant="1407")
    r = env.client.get(M, headers=other)
    assert r.headers["ETag"] == '"risk-matrix.1"' and len(r.get_json()["probability_steps"]) == 4
    assert env.client.get(f"{M}/versions/2", headers=other).status_code == 404
