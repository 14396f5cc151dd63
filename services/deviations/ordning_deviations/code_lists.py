"""The tenant's code lists (issue 14: "every legal reference, deadline and list in tenant data with defaults").

Plain Python, as domain.py. A code list is the codes a case may carry in one field: a reclassification's reason,
how and whom the person concerned was informed, the lex decision's outcome, IVO's decision, the händelseanalys's
method and root-cause categories, the follow-up of a provider, a complainant's relation and contact channel.

- The defaults are the lists domain.py always had, with their codes and labels: what a tenant without rows has.
- A tenant relabels, retires (active: false), reorders or adds to a list; an edit stores the whole list.
- A code never changes and is never removed: events and statistics carry it, and the cases that have it keep
  showing its label. A code the tenant no longer wants is retired: refused for new records, kept where used.
- Per entry, the flags the rules need: `needs_note` (the code needs a note, as "other": only on the lists whose
  records have a note) and `serious` (the lex decision's outcome is serious, to be reported to IVO: on the lex
  outcome lists, each entry true or false).
"""
from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from ordning_shared.problems import NotFound, Unprocessable

from . import domain as d
from .classification import EVENT_TYPE_CODE

CODE = EVENT_TYPE_CODE  # the code pattern of the tenant's lists: a-z, 0-9 and _, at most 40, a letter first
LABEL_MAX = 100
ENTRIES_MAX = 100

# The lists, by their stable names (the API's and the web's): name -> the defaults (code, label).
_DEFAULTS: dict[str, tuple[tuple[str, str], ...]] = {
    "reclassification_reasons": tuple(d.RECLASSIFICATION_REASONS.items()),
    "informing_methods": tuple(d.INFORMING_METHODS.items()),
    "informing_recipients": tuple(d.INFORMING_RECIPIENTS.items()),
    "not_informed_reasons": tuple(d.NOT_INFORMED_REASONS.items()),
    "lex_sarah_outcomes": tuple((c, d.OUTCOME_LABELS_SV[c]) for c in d.LEX_OUTCOMES[d.Kind.lex_sarah]),
    "lex_maria_outcomes": tuple((c, d.OUTCOME_LABELS_SV[c]) for c in d.LEX_OUTCOMES[d.Kind.lex_maria]),
    "ivo_decision_outcomes": tuple((c.value, label) for c, label in d.IVO_DECISION_OUTCOME_LABELS_SV.items()),
    "analysis_methods": tuple((c.value, label) for c, label in d.ANALYSIS_METHOD_LABELS_SV.items()),
    "root_cause_categories": tuple((c.value, label) for c, label in d.ROOT_CAUSE_CATEGORY_LABELS_SV.items()),
    "follow_up_outcomes": tuple((c.value, label) for c, label in d.FOLLOW_UP_OUTCOME_LABELS_SV.items()),
    "complainant_relations": tuple((c.value, label) for c, label in d.COMPLAINANT_RELATION_LABELS_SV.items()),
    "contact_channels": tuple((c.value, label) for c, label in d.CONTACT_CHANNEL_LABELS_SV.items()),
}
LIST_NAMES = tuple(_DEFAULTS)
NOTE_LISTS = frozenset({"reclassification_reasons", "not_informed_reasons"})  # their records have a note
OUTCOME_LISTS = {d.Kind.lex_sarah: "lex_sarah_outcomes", d.Kind.lex_maria: "lex_maria_outcomes"}
SERIOUS_LISTS = frozenset(OUTCOME_LISTS.values())
_DEFAULT_SERIOUS = {name: d.LEX_OUTCOMES[kind] for kind, name in OUTCOME_LISTS.items()}

DESCRIPTIONS_SV = {
    "reclassification_reasons": "Skäl till omklassning",
    "informing_methods": "Hur den enskilde informerades",
    "informing_recipients": "Vem som informerades",
    "not_informed_reasons": "Skäl till att den enskilde inte informerades",
    "lex_sarah_outcomes": "Utfall av beslutet i lex Sarah",
    "lex_maria_outcomes": "Utfall av beslutet i lex Maria",
    "ivo_decision_outcomes": "IVO:s beslut",
    "analysis_methods": "Metod för händelseanalys",
    "root_cause_categories": "Kategorier av bakomliggande orsaker",
    "follow_up_outcomes": "Utfall av uppföljningen av utförarens anmälan",
    "complainant_relations": "Den klagandes relation till den enskilde",
    "contact_channels": "Kontaktvägar för klagomål och svar",
}


class UnknownCodeList(NotFound):
    code = "unknown_code_list"


class InvalidCodeList(Unprocessable):
    code = "invalid_code_list"


@dataclass(frozen=True)
class Entry:
    code: str
    label_sv: str
    active: bool = True
    needs_note: bool = False
    serious: bool | None = None  # the lex outcome lists only


@dataclass(frozen=True)
class CodeList:
    name: str
    entries: tuple[Entry, ...]
    version: int = 0  # 0: the defaults, no row of the tenant's

    @property
    def default(self) -> bool:
        return self.version == 0

    def entry(self, code) -> Entry | None:
        return next((e for e in self.entries if e.code == code), None)

    def label(self, code) -> str | None:
        """The code's label, a retired code's included; the code itself if the list has it not (never expected)."""
        if code is None:
            return None
        found = self.entry(getattr(code, "value", code))
        return found.label_sv if found is not None else str(getattr(code, "value", code))

    def choices(self, current=None) -> dict[str, Entry]:
        """The codes a record may take: the active ones, and `current`, the record's own (a retired code stays)."""
        current = getattr(current, "value", current)
        return {e.code: e for e in self.entries if e.active or e.code == current}


def default_list(name: str) -> CodeList:
    if name not in _DEFAULTS:
        raise UnknownCodeList("Kodlistan finns inte.", "There is no such code list.")
    serious = _DEFAULT_SERIOUS.get(name)
    return CodeList(name, tuple(
        Entry(code, label, True, name in NOTE_LISTS and code == "other",
              None if serious is None else serious[code]) for code, label in _DEFAULTS[name]))


def code_lists(rows: Iterable, versions: Mapping[str, int] | None = None) -> dict[str, CodeList]:
    """The tenant's lists: `rows` their code_list_entries rows (list_name, code, label_sv, active, position,
    needs_note, serious), `versions` list name -> version; a list without rows is the default."""
    own: dict[str, list] = {}
    for row in rows:
        own.setdefault(row.list_name, []).append(row)
    found = {}
    for name in LIST_NAMES:
        if name not in own:
            found[name] = default_list(name)
            continue
        entries = tuple(Entry(r.code, r.label_sv, bool(r.active), bool(r.needs_note),
                              None if r.serious is None else bool(r.serious))
                        for r in sorted(own[name], key=lambda r: r.position))
        found[name] = CodeList(name, entries, (versions or {}).get(name, 1))
    return found


def defaults() -> dict[str, CodeList]:
    return code_lists(())


# --------------------------------------------------------------------------
# A tenant's edit of a list: the rules, each refusal naming its entry and field for a form
# --------------------------------------------------------------------------

def _refuse(sv: str, en: str, where: str | None = None) -> InvalidCodeList:
    return InvalidCodeList(sv, en, errors={"json": {where or "entries": [f"{sv} {en}"]}})


def _has_control(text: str) -> bool:
    return any(unicodedata.category(ch) in ("Cc", "Cf", "Zl", "Zp") for ch in text)


def check_entries(current: CodeList, entries: list[Mapping]) -> CodeList:
    """The tenant's new list `entries` (code, label_sv, active, needs_note, serious) checked against `current`:
    the CodeList to store (its version: the current one's; the store counts it on). Else 422 invalid_code_list."""
    name = current.name
    if not isinstance(entries, list) or not entries:
        raise _refuse("Listan måste ha minst en kod.", "The list needs at least one code.")
    if len(entries) > ENTRIES_MAX:
        raise _refuse(f"Listan kan ha högst {ENTRIES_MAX} koder.", f"The list can have at most {ENTRIES_MAX} codes.")
    checked, seen = [], set()
    for index, item in enumerate(entries):
        where = f"entries.{index}"
        code = item.get("code")
        if not isinstance(code, str) or not CODE.match(code):
            raise _refuse("Koden ska vara högst 40 tecken: små bokstäver utan prickar och ringar, siffror eller "
                          "understreck, först en bokstav.", "The code must be 1-40 lower-case letters a-z, digits or "
                          "underscores, starting with a letter.", f"{where}.code")
        if code in seen:
            raise _refuse(f"Koden {code} finns två gånger.", f"The code {code} is given twice.", f"{where}.code")
        seen.add(code)
        label = item.get("label_sv")
        label = label.strip() if isinstance(label, str) else ""
        if not label:
            raise _refuse("Benämningen saknas.", "The label is required.", f"{where}.label_sv")
        if len(label) > LABEL_MAX:
            raise _refuse(f"Benämningen kan vara högst {LABEL_MAX} tecken.",
                          f"The label can be at most {LABEL_MAX} characters.", f"{where}.label_sv")
        if _has_control(label):
            raise _refuse("Benämningen får inte innehålla styrtecken.", "The label must not contain control "
                          "characters.", f"{where}.label_sv")
        needs_note = item.get("needs_note") or False
        if needs_note and name not in NOTE_LISTS:
            raise _refuse("Den här listan har ingen anteckning; needs_note gäller inte.",
                          "Records of this list have no note; needs_note does not apply.", f"{where}.needs_note")
        serious = item.get("serious")
        if name in SERIOUS_LISTS and not isinstance(serious, bool):
            raise _refuse("Ange för varje utfall om det är allvarligt (serious).",
                          "Say for every outcome whether it is serious.", f"{where}.serious")
        if name not in SERIOUS_LISTS and serious is not None:
            raise _refuse("Bara utfallen av lex-beslutet är allvarliga eller inte; serious gäller inte.",
                          "Only the lex decision's outcomes are serious or not; serious does not apply.",
                          f"{where}.serious")
        active = item.get("active", True)
        checked.append(Entry(code, label, bool(active), bool(needs_note), serious))
    missing = [e.code for e in current.entries if e.code not in seen]
    if missing:
        raise _refuse(f"Koder tas aldrig bort, de kan bara avvecklas (aktiv: nej): {', '.join(missing)[:200]}.",
                      f"Codes are never removed, only retired (active: false): {', '.join(missing)[:200]}.")
    active = [e for e in checked if e.active]
    if not active:
        raise _refuse("Minst en kod måste vara aktiv.", "At least one code must be active.")
    if name in SERIOUS_LISTS and not ({True, False} <= {e.serious for e in active}):
        raise _refuse("Utfallen måste ha minst ett aktivt allvarligt och ett aktivt inte allvarligt utfall.",
                      "The outcomes need at least one active serious and one active not-serious outcome.")
    return CodeList(name, tuple(checked), current.version)
