"""The enhetschef of Hemtjänst Norr follows the demo's quality goal by keyboard, at phone and desk width: the
attainment per month in a table, a measurement entered by hand, and a CSV file with bad rows refused with each
row listed beside the form and nothing stored."""
from __future__ import annotations

from datetime import date

import pytest
from ordning_shared.workdays import today_in_sweden

pytestmark = pytest.mark.e2e

# The demo's months end with last month; each width enters a month of its own after it (the stack is shared).
MONTHS_AHEAD = {"phone": 1, "desk": 2}


def month_after(today: date, months: int) -> str:
    index = today.year * 12 + today.month - 1 + months
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def test_the_enhetschef_follows_a_goal_enters_a_value_and_a_bad_file_is_refused(browser, tmp_path):
    from selenium.webdriver.common.by import By

    erik = browser
    erik.sign_in("Erik Eriksson")
    erik.tab_to_text("Kvalitetsmål")
    erik.enter()
    assert erik.path == "/kvalitetsmal"
    assert "Brukarnöjdhet i hemtjänsten" in erik.text("#malen")
    erik.tab_to_text("Brukarnöjdhet i hemtjänsten")
    erik.enter()
    assert erik.title().startswith("Brukarnöjdhet i hemtjänsten")
    tables = erik.driver.find_elements(By.CSS_SELECTOR, "tbody[id^=rader-]")
    assert len(tables[0].find_elements(By.TAG_NAME, "tr")) >= 12  # the demo's year (and the other width's month)
    assert "Ej uppfyllt" in tables[0].text and "Uppfyllt" in tables[0].text
    assert erik.driver.execute_script("return document.documentElement.scrollWidth") <= \
        erik.driver.execute_script("return window.innerWidth")

    period = month_after(today_in_sweden(), MONTHS_AHEAD[erik.size])
    erik.tab_to(lambda s: s["id"].startswith("period-"), "the first period field", limit=80)
    erik.type(period)
    erik.tab()
    erik.type("93,5")
    erik.tab_to(lambda s: s["id"].startswith("spara-"), "the save button")
    erik.enter()
    assert f"Mätvärdet för {period} är sparat." in erik.text()
    assert period in erik.text("tbody[id^=rader-]") and "93,5 %" in erik.text("tbody[id^=rader-]")

    bad = tmp_path / "matvarden.csv"
    bad.write_text("period;värde;kommentar\n2030-01;91;\n2030-13;90;\n2030-02;nittio;\n", encoding="utf-8")
    state = erik.tab_to(lambda s: s["id"].startswith("fil-"), "the file field", limit=80)
    erik.driver.find_element(By.ID, state["id"]).send_keys(str(bad))  # what choosing the file in the dialog does
    erik.tab_to(lambda s: s["id"].startswith("las-in-"), "the upload button")
    erik.enter()
    refused = erik.text(".error-summary")
    assert "Inget sparades: 2 rad(er) i filen är felaktiga." in refused
    assert "Månaden ska vara 01–12." in refused and "Värdet ska vara ett tal" in refused
    assert "2030-01" not in erik.text("tbody[id^=rader-]")
