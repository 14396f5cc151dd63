"""The region view over events fed through the platform's consumer: consent, the threshold, suppression, access."""
from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from ordning_reporting import db

from .streams import Case, body

REGION = "22"
SUNDSVALL, TIMRA, ANGE, STOCKHOLM = "2281", "2262", "2260", "0180"
UNIT = {SUNDSVALL: "22810000-0000-0000-0000-000000000001", TIMRA: "22620000-0000-0000-0000-000000000001",
        ANGE: "22600000-0000-0000-0000-000000000001", STOCKHOLM: "01800000-0000-0000-0000-000000000001"}
ADMIN = ("admin", ["administrator"], [])
HOST = ("host", ["region_host"], [])
D = date(2026, 3, 10)


def org(tenant):
    return body("se.ordning.org_unit.created.v1", tenant, UNIT[tenant],
                {"unit_id": UNIT[tenant], "kind": "unit", "name": f"Enhet {tenant}", "parent_id": None,
                 "closed_at": None, "revision": 1}, None, "processes")


def feed(env, *cases):
    for case in cases:
        for event in case.bodies:
            assert env.feed(event) == "processed"


def agree(env, tenant, region=REGION, expect=200):
    current = env.client.get("/api/v1/region/consent", headers=env.auth(*ADMIN, tenant=tenant))
    assert current.status_code == 200, current.get_json()
    r = env.client.put("/api/v1/region/consent", json={"region": region},
                       headers=env.auth(*ADMIN, tenant=tenant, **{"If-Match": current.headers["ETag"]}))
    assert r.status_code == expect, r.get_json()
    return r


def region_view(env, tenant=REGION, who=HOST, **query):
    query.setdefault("year", 2026)
    r = env.client.get("/api/v1/region/figures", query_string=query, headers=env.auth(*who, tenant=tenant))
    assert r.status_code == 200, r.get_json()
    return r.get_json()


def values(document, section, figure):
    sect = next(s for s in document["sections"] if s["key"] == section)
    fig = next(f for f in sect["figures"] if f["key"] == figure)
    return fig["by_municipality"] if fig["type"] == "value" else {row[fig["row_key"]]: row for row in fig["rows"]}


def many(tenant, kind, n, day=D, **kw):
    return [Case(tenant, kind, UNIT[tenant], day, **kw).report() for _ in range(n)]


def seed(env):
    for tenant in UNIT:
        assert env.feed(org(tenant)) == "processed"
    # Sundsvall: 23 avvikelser, 14 klagomål, 3 lex Maria; Timrå: 40 avvikelser, 2 lex Sarah; Ånge and
    # Stockholm (another län) have cases too
    feed(env, *many(SUNDSVALL, "avvikelse", 23), *many(SUNDSVALL, "klagomal", 14),
         *many(SUNDSVALL, "lex_maria", 3), *many(TIMRA, "avvikelse", 40), *many(TIMRA, "lex_sarah", 2),
         *many(ANGE, "avvikelse", 9), *many(STOCKHOLM, "avvikelse", 12))


def test_the_region_sees_only_the_municipalities_of_its_lan_that_agreed(env):
    seed(env)
    assert region_view(env)["municipalities"] == []
    agree(env, SUNDSVALL)
    agree(env, TIMRA)
    agree(env, STOCKHOLM, region="01")  # agrees to its own region, not to 22
    document = region_view(env)
    assert [m["tenant"] for m in document["municipalities"]] == [TIMRA, SUNDSVALL]
    assert document["threshold"] == 5 and document["legend"]["small"] == "< 5"
    assert values(document, "deviations", "total") == {SUNDSVALL: 40, TIMRA: 42}
    # Stockholm's region sees Stockholm only
    assert [m["tenant"] for m in region_view(env, tenant="01")["municipalities"]] == [STOCKHOLM]


def test_small_counts_are_suppressed_and_cannot_be_subtracted_back(env):
    seed(env)
    agree(env, SUNDSVALL)
    agree(env, TIMRA)
    document = region_view(env)
    kinds = values(document, "deviations", "by_kind")
    # Sundsvall's 3 lex Maria are "< 5", and so are its zeros (lex Sarah, synpunkter); 40 - 23 - 14 would
    # give the three back, and 14 klagomål are the 14 complaints received: so the avvikelser are hidden too
    assert kinds["lex_maria"][SUNDSVALL] == "< 5"
    assert kinds["lex_sarah"][SUNDSVALL] == "< 5" and kinds["synpunkt"][SUNDSVALL] == "< 5"
    assert kinds["avvikelse"][SUNDSVALL] == ".." and kinds["klagomal"][SUNDSVALL] == 14
    assert values(document, "deviations", "total")[SUNDSVALL] == 40
    assert values(document, "lex_maria", "reported")[SUNDSVALL] == "< 5"
    # Timrå: 2 lex Sarah; 42 - 40 would give them back
    assert kinds["lex_sarah"][TIMRA] == "< 5"
    assert kinds["avvikelse"][TIMRA] == ".." or values(document, "deviations", "total")[TIMRA] == ".."
    # a time over fewer than 5 cases is hidden
    assert values(document, "lex_maria", "days_to_ivo_mean")[SUNDSVALL] == ".."
    # no unit, category, händelsetyp (a tenant's own list) or process step crosses the tenant line
    for section in document["sections"]:
        assert not {f["key"] for f in section["figures"]} & {"by_unit", "by_category", "by_event_type", "by_process"}
    text = str(document)
    assert UNIT[SUNDSVALL] not in text and UNIT[TIMRA] not in text
    # nowhere can a total minus the shown parts give back a small count
    for tenant in (SUNDSVALL, TIMRA):
        total = values(document, "deviations", "total")[tenant]
        shown = [row[tenant] for row in kinds.values() if isinstance(row[tenant], int)]
        hidden = [row[tenant] for row in kinds.values() if not isinstance(row[tenant], int)]
        if isinstance(total, int) and hidden:
            assert total - sum(shown) >= 5 and len(hidden) >= 2


def test_the_csv_has_a_column_per_municipality(env):
    seed(env)
    agree(env, SUNDSVALL)
    agree(env, TIMRA)
    r = env.client.get("/api/v1/region/figures", query_string={"year": 2026, "format": "csv"},
                       headers=env.auth(*HOST, tenant=REGION))
    assert r.status_code == 200 and r.content_type.startswith("text/csv")
    lines = r.get_data(as_text=True).splitlines()
    assert lines[0] == f"section,figure,row,title_sv,{TIMRA},{SUNDSVALL}"
    assert "deviations,by_kind,lex_maria,Lex Maria,< 5,< 5" in lines


def test_consent_is_withdrawn_and_given_again_with_who_and_when(env):
    seed(env)
    first = agree(env, SUNDSVALL).get_json()
    assert first["agreed"] and first["agreed_by"] == "admin" and first["agreed_at"] and first["version"] == 1
    current = env.client.get("/api/v1/region/consent", headers=env.auth(*ADMIN, tenant=SUNDSVALL))
    stale = env.client.delete("/api/v1/region/consent",
                              headers=env.auth(*ADMIN, tenant=SUNDSVALL, **{"If-Match": '"region-consent.0"'}))
    assert stale.status_code == 412
    r = env.client.delete("/api/v1/region/consent",
                          headers=env.auth(*ADMIN, tenant=SUNDSVALL, **{"If-Match": current.headers["ETag"]}))
    assert r.status_code == 200, r.get_json()
    withdrawn = r.get_json()
    assert not withdrawn["agreed"] and withdrawn["withdrawn_by"] == "admin" and withdrawn["agreed_by"] == "admin"
    assert region_view(env)["municipalities"] == []
    again = env.client.delete("/api/v1/region/consent",
                              headers=env.auth(*ADMIN, tenant=SUNDSVALL, **{"If-Match": r.headers["ETag"]}))
    assert again.status_code == 404 and again.get_json()["code"] == "no_consent"
    assert agree(env, SUNDSVALL).get_json()["withdrawn_at"] is None
    assert [m["tenant"] for m in region_view(env)["municipalities"]] == [SUNDSVALL]
    with env.platform.engine.connect() as conn:
        audit = env.platform.tables.audit_log
        actions = conn.execute(sa.select(audit.c.action).where(audit.c.tenant == SUNDSVALL,
                                                               audit.c.entity_type == "region_consent")
                               .order_by(audit.c.id)).scalars().all()
    assert actions == ["agree", "withdraw", "agree"]


def test_only_an_administrator_of_a_municipality_of_the_lan_agrees(env):
    r = env.client.put("/api/v1/region/consent", json={"region": REGION},
                       headers=env.auth("k", ["kvalitetsutvecklare"], [], tenant=SUNDSVALL,
                                        **{"If-Match": '"region-consent.0"'}))
    assert r.status_code == 403
    agree(env, SUNDSVALL, region="01", expect=422)
    r = env.client.put("/api/v1/region/consent", json={"region": REGION},  # a region is not a municipality
                       headers=env.auth(*ADMIN, tenant=REGION, **{"If-Match": '"region-consent.0"'}))
    assert r.status_code == 403 and r.get_json()["code"] == "not_a_municipality"
    r = env.client.put("/api/v1/region/consent", json={"region": REGION, "tenant": TIMRA},
                       headers=env.auth(*ADMIN, tenant=SUNDSVALL, **{"If-Match": '"region-consent.0"'}))
    assert r.status_code == 422  # unknown field
    with env.platform.engine.connect() as conn:
        assert conn.execute(sa.select(sa.func.count()).select_from(db.region_consents)).scalar() == 0


def test_the_region_view_needs_the_region_role_in_a_region(env):
    seed(env)
    agree(env, SUNDSVALL)
    for who, tenant in ((("k", ["kvalitetsutvecklare", "forvaltningschef", "administrator"], []), SUNDSVALL),
                        (("k", ["kvalitetsutvecklare", "administrator"], []), REGION),
                        (HOST, SUNDSVALL)):  # the role in a municipality's token
        r = env.client.get("/api/v1/region/figures", query_string={"year": 2026},
                           headers=env.auth(*who, tenant=tenant))
        assert r.status_code == 403, (who, tenant)
    r = env.client.get("/api/v1/region/figures", query_string={"year": 2027}, headers=env.auth(*HOST, tenant=REGION))
    assert r.status_code == 422
    r = env.client.get("/api/v1/region/figures", query_string={"year": "x"}, headers=env.auth(*HOST, tenant=REGION))
    assert r.status_code == 422


def test_a_higher_threshold_of_a_municipality_or_the_region_applies(env):
    seed(env)
    agree(env, SUNDSVALL)
    agree(env, TIMRA)
    current = env.client.get("/api/v1/suppression", headers=env.auth(*ADMIN, tenant=TIMRA))
    assert current.get_json() == {"threshold": 5, "default": True, "version": 0}
    for bad in (1, 101, "10", None):
        r = env.client.put("/api/v1/suppression", json={"threshold": bad},
                           headers=env.auth(*ADMIN, tenant=TIMRA, **{"If-Match": current.headers["ETag"]}))
        assert r.status_code == 422, bad
    r = env.client.put("/api/v1/suppression", json={"threshold": 25},
                       headers=env.auth(*ADMIN, tenant=TIMRA, **{"If-Match": current.headers["ETag"]}))
    assert r.status_code == 200 and r.get_json() == {"threshold": 25, "default": False, "version": 1}
    document = region_view(env)
    assert document["threshold"] == 25
    assert values(document, "deviations", "by_kind")["avvikelse"][SUNDSVALL] == "< 25"
    r = env.client.put("/api/v1/suppression", json={"threshold": 6},
                       headers=env.auth("k", ["kvalitetsutvecklare"], [], tenant=REGION,
                                        **{"If-Match": '"suppression.0"'}))
    assert r.status_code == 403
