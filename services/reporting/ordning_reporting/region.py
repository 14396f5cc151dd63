"""Use cases of the region view: a municipality's consent to be shown to its region, a tenant's threshold for
small counts, and the region's figures of its municipalities side by side (domain/region.py).

Consent and threshold are the tenant's own data, set by its administratör with If-Match (the version read; 0:
none yet) and recorded in the audit trail. The region's figures are read from the cubes of each consenting
municipality, as its own figures are (service.sections_of), and only the suppressed, aggregated cells leave.
"""
from __future__ import annotations

from datetime import date, datetime
from typing import Callable

import sqlalchemy as sa
from ordning_shared.db import utcnow, write_versioned
from ordning_shared.problems import Forbidden, NotFound, PreconditionFailed, Unprocessable

from . import db
from .domain import access
from .domain import region as r
from .domain.period import FIRST_DAY, Period
from .domain.suppression import DEFAULT_THRESHOLD, MAX_THRESHOLD, MIN_THRESHOLD, legend
from .service import sections_of, today

Precondition = Callable[[str, int], None] | None
REGION_ROLE = "region_host"
ADMIN_ROLE = "administrator"
CONSENT_ETAG_ID = "region-consent"
THRESHOLD_ETAG_ID = "suppression"


class NotARegion(Forbidden):
    code = "not_a_region"


class NotAMunicipality(Forbidden):
    code = "not_a_municipality"


class NotYourRegion(Unprocessable):
    code = "not_your_region"


class NoConsent(NotFound):
    code = "no_consent"


class InvalidThreshold(Unprocessable):
    code = "invalid_threshold"


class InvalidYear(Unprocessable):
    code = "invalid_year"


class StaleSetting(PreconditionFailed):
    code = "stale"


def _require(principal, *roles: str) -> None:
    if not principal.has_any(*roles):
        needed = ", ".join(roles)
        raise Forbidden(f"Din roll tillåter inte detta; det kräver en av rollerna: {needed}.",
                        f"Your roles do not allow this; it needs one of these roles: {needed}.")


def _require_municipality(principal) -> None:
    if not r.is_municipality(principal.tenant):
        raise NotAMunicipality(
            f"Bara en kommun (fyrsiffrig kommunkod) kan samtycka till att visas för sin region; {principal.tenant} "
            "är ingen kommun.",
            f"Only a municipality (a four-digit kommunkod) can agree to be shown to its region; {principal.tenant} "
            "is not one.")


# --------------------------------------------------------------------------
# Consent
# --------------------------------------------------------------------------

def _consent_row(connection, tenant: str):
    c = db.region_consents
    return connection.execute(sa.select(c).where(c.c.tenant == tenant)).first()


def _consent_view(tenant: str, row) -> dict:
    if row is None:
        return {"tenant": tenant, "region": r.region_of(tenant), "agreed": False, "agreed_by": None,
                "agreed_at": None, "withdrawn_by": None, "withdrawn_at": None, "version": 0}
    return {"tenant": tenant, "region": row.region, "agreed": row.withdrawn_at is None, "agreed_by": row.agreed_by,
            "agreed_at": row.agreed_at, "withdrawn_by": row.withdrawn_by, "withdrawn_at": row.withdrawn_at,
            "version": row.version}


def get_consent(platform, principal) -> dict:
    _require(principal, ADMIN_ROLE, *access.FIGURE_ROLES)
    _require_municipality(principal)
    with platform.engine.connect() as connection:
        return _consent_view(principal.tenant, _consent_row(connection, principal.tenant))


def _audit_state(view: dict) -> dict:
    return {key: view[key] for key in ("region", "agreed_at", "withdrawn_at", "version")}


def put_consent(platform, principal, data: dict, precondition: Precondition = None) -> dict:
    """The municipality agrees to be shown, aggregated, to its region (again, after a withdrawal)."""
    _require(principal, ADMIN_ROLE)
    _require_municipality(principal)
    region = data["region"]
    if region != r.region_of(principal.tenant):
        raise NotYourRegion(
            f"Kommunen {principal.tenant} ligger i län {r.region_of(principal.tenant)}, inte {region}.",
            f"The municipality {principal.tenant} lies in county {r.region_of(principal.tenant)}, not {region}.")
    with platform.uow() as uow:
        row = _consent_row(uow.connection, principal.tenant)
        before = _consent_view(principal.tenant, row)
        if precondition is not None:
            precondition(CONSENT_ETAG_ID, before["version"])
        if before["agreed"]:  # agreed already: who agreed and when stay as they were
            return before
        values = {"region": region, "agreed_by": principal.subject, "agreed_at": utcnow(), "withdrawn_by": None,
                  "withdrawn_at": None}
        return _save_consent(uow, principal, before, values, "agree")


def withdraw_consent(platform, principal, precondition: Precondition = None) -> dict:
    """The municipality is shown to its region no more; the record says who withdrew it and when."""
    _require(principal, ADMIN_ROLE)
    _require_municipality(principal)
    with platform.uow() as uow:
        row = _consent_row(uow.connection, principal.tenant)
        before = _consent_view(principal.tenant, row)
        if not before["agreed"]:
            raise NoConsent("Kommunen har inget samtycke att återkalla.",
                            "The municipality has no consent to withdraw.")
        if precondition is not None:
            precondition(CONSENT_ETAG_ID, before["version"])
        values = {"withdrawn_by": principal.subject, "withdrawn_at": utcnow()}
        return _save_consent(uow, principal, before, values, "withdraw")


def _save_consent(uow, principal, before: dict, values: dict, action: str) -> dict:
    """Write the consent over the version read (a concurrent change makes this a 412), audit it and commit."""
    if not write_versioned(uow.connection, db.region_consents, {"tenant": principal.tenant}, values,
                           before["version"]):
        raise _stale()
    after = _consent_view(principal.tenant, _consent_row(uow.connection, principal.tenant))
    uow.audit(tenant=principal.tenant, actor=principal.subject, action=action, entity_type="region_consent",
              entity_id=principal.tenant, before=_audit_state(before), after=_audit_state(after))
    uow.commit()
    return after


def _stale() -> StaleSetting:
    return StaleSetting("Det har ändrats av någon annan sedan du läste det; läs om det.",
                        "It was changed by someone else since you read it; read it again.")


# --------------------------------------------------------------------------
# Threshold
# --------------------------------------------------------------------------

def thresholds_of(connection, tenants) -> dict[str, int]:
    s = db.suppression_settings
    rows = connection.execute(sa.select(s.c.tenant, s.c.threshold).where(s.c.tenant.in_(sorted(tenants))))
    return {tenant: DEFAULT_THRESHOLD for tenant in tenants} | {row.tenant: row.threshold for row in rows}


def _threshold_view(row) -> dict:
    if row is None:
        return {"threshold": DEFAULT_THRESHOLD, "default": True, "version": 0}
    return {"threshold": row.threshold, "default": False, "version": row.version}


def _threshold_row(connection, tenant: str):
    s = db.suppression_settings
    return connection.execute(sa.select(s).where(s.c.tenant == tenant)).first()


def get_threshold(platform, principal) -> dict:
    _require(principal, ADMIN_ROLE, REGION_ROLE, *access.FIGURE_ROLES)
    with platform.engine.connect() as connection:
        return _threshold_view(_threshold_row(connection, principal.tenant))


def put_threshold(platform, principal, data: dict, precondition: Precondition = None) -> dict:
    _require(principal, ADMIN_ROLE)
    threshold = data["threshold"]
    if not MIN_THRESHOLD <= threshold <= MAX_THRESHOLD:
        raise InvalidThreshold(f"Gränsen ska vara mellan {MIN_THRESHOLD} och {MAX_THRESHOLD}.",
                               f"The threshold must lie between {MIN_THRESHOLD} and {MAX_THRESHOLD}.")
    with platform.uow() as uow:
        before = _threshold_view(_threshold_row(uow.connection, principal.tenant))
        if precondition is not None:
            precondition(THRESHOLD_ETAG_ID, before["version"])
        if not write_versioned(uow.connection, db.suppression_settings, {"tenant": principal.tenant},
                               {"threshold": threshold}, before["version"]):
            raise _stale()
        after = _threshold_view(_threshold_row(uow.connection, principal.tenant))
        uow.audit(tenant=principal.tenant, actor=principal.subject, action="put", entity_type="suppression_setting",
                  entity_id=principal.tenant, before={k: before[k] for k in ("threshold", "version")},
                  after={k: after[k] for k in ("threshold", "version")})
        uow.commit()
    return after


# --------------------------------------------------------------------------
# The region's figures
# --------------------------------------------------------------------------

def consenting_municipalities(connection, region: str) -> list:
    c = db.region_consents
    rows = connection.execute(sa.select(c.c.tenant, c.c.agreed_at).where(
        c.c.region == region, c.c.withdrawn_at.is_(None)).order_by(c.c.tenant)).all()
    # a municipality of the län only, whatever a row says
    return [row for row in rows if r.is_municipality(row.tenant) and r.region_of(row.tenant) == region]


def region_period(year: int, day: date) -> Period:
    if not FIRST_DAY.year <= year <= day.year:
        raise InvalidYear(f"Året ska vara mellan {FIRST_DAY.year} och {day.year}.",
                          f"The year must lie between {FIRST_DAY.year} and {day.year}.")
    return Period(date(year, 1, 1), min(date(year, 12, 31), day))


def region_figures(platform, principal, year: int | None, now: datetime | None = None) -> dict:
    """The figures of the region's consenting municipalities for a calendar year (this year: up to today), side
    by side, every count suppressed under the highest threshold of the region and the municipalities shown."""
    _require(principal, REGION_ROLE)
    if not r.is_region(principal.tenant):
        raise NotARegion(
            f"Regionvyn är för en region (tvåsiffrig länskod); {principal.tenant} är ingen region.",
            f"The region view is for a region (a two-digit county code); {principal.tenant} is not one.")
    day = today(now)
    period = region_period(year or day.year, day)
    months = [month.strftime("%Y-%m") for month in period.months]
    with platform.engine.connect() as connection:
        municipalities = consenting_municipalities(connection, principal.tenant)
        tenants = [row.tenant for row in municipalities]
        threshold = max(thresholds_of(connection, [principal.tenant, *tenants]).values())
        # the whole municipality (no scope), its unit names not needed: only aggregates leave
        built = {tenant: sections_of(connection, tenant, None, period, day, units={}) for tenant in tenants}
    return {
        "region": principal.tenant,
        "year": period.start.year,
        "period": period.to_dict(),
        "today": day,
        "threshold": threshold,
        "legend": legend(threshold),
        "municipalities": [{"tenant": row.tenant, "agreed_at": row.agreed_at} for row in municipalities],
        "sections": r.region_sections(built, months, threshold),
    }
