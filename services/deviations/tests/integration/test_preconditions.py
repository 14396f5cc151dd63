"""Updates need the ETag the editor read: If-Match is required, `*` is refused, a stale one is 412."""
from __future__ import annotations

from .conftest import ADMIN, CHEF_E1

POLICY = "/api/v1/deadline-policies/avvikelse"


def test_a_deadline_policy_is_put_with_the_etag_of_what_was_read(env):
    c, admin = env.client, env.auth(*ADMIN)
    default = c.get(POLICY, headers=admin)
    assert default.get_json()["default"] is True and default.headers["ETag"] == '"avvikelse.0"'
    body = {"receipt_days": 1, "investigation_days": 5}

    missing = c.put(POLICY, json=body, headers=admin)
    assert missing.status_code == 428 and missing.get_json()["code"] == "if_match_required"
    wildcard = c.put(POLICY, json=body, headers={**admin, "If-Match": "*"})
    assert wildcard.status_code == 428 and wildcard.get_json()["code"] == "if_match_wildcard"
    assert c.get(POLICY, headers=admin).get_json()["default"] is True  # refused: nothing changed

    first = c.put(POLICY, json=body, headers={**admin, "If-Match": default.headers["ETag"]})
    assert first.status_code == 200 and first.headers["ETag"] == '"avvikelse.1"'
    # A second editor who read the default too cannot overwrite the first unseen.
    late = c.put(POLICY, json={"receipt_days": 3, "investigation_days": 9},
                 headers={**admin, "If-Match": default.headers["ETag"]})
    assert late.status_code == 412 and late.get_json()["code"] == "stale_etag"
    assert c.get(POLICY, headers=admin).get_json()["receipt_days"] == 1
    second = c.put(POLICY, json={"receipt_days": 3, "investigation_days": 9},
                   headers={**admin, "If-Match": first.headers["ETag"]})
    assert second.status_code == 200 and second.headers["ETag"] == '"avvikelse.2"'


def test_if_match_star_is_refused_on_every_kind_of_update(env):
    c, chef, admin = env.client, env.auth(*CHEF_E1), env.auth(*ADMIN)
    case = env.report(who=CHEF_E1)
    star = {**chef, "If-Match": "*"}
    refused = [
        c.post(f"/api/v1/deviations/{case['id']}/transitions", json={"command": "receive"}, headers=star),
        c.put(f"/api/v1/deviations/{case['id']}/investigation", json={"why": "halt golv"}, headers=star),
    ]
    category = c.post("/api/v1/categories", json={"name": "Fall"}, headers=admin).get_json()
    refused.append(c.patch(f"/api/v1/categories/{category['id']}", json={"active": False},
                           headers={**admin, "If-Match": "*"}))
    for response in refused:
        assert response.status_code == 428, response.get_json()
        assert response.get_json()["code"] == "if_match_wildcard"
        assert "ETag" in response.get_json()["detail"]
    assert c.get(f"/api/v1/deviations/{case['id']}", headers=chef).get_json()["version"] == case["version"]
