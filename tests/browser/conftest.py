"""The browser tests: Debian's chromium, driven by selenium through Debian's chromedriver, against the
embedded stack (`make run`'s launcher) started once per session.

Every page a test arrives at is checked at both widths, phone (360 x 740) and desk (1280 x 800): axe-core
(vendored under axe-core/) finds no serious or critical violation, and a full-page screenshot is saved
under var/screenshots/ (or $ORDNING_SCREENSHOTS), named by test, page and width, for a reviewer to look at.
The helpers work the page with the keyboard only (Tab, Shift+Tab, Enter, Space, arrows and typing into the
focused field), and assert after every Tab that the focused element shows that it has the focus.
"""
from __future__ import annotations

import base64
import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from ordning_shared.testing import IN_CI

ROOT = Path(__file__).resolve().parents[2]
AXE = Path(__file__).resolve().parent / "axe-core" / "axe.min.js"
CHROMIUM = os.environ.get("ORDNING_CHROMIUM", "/usr/bin/chromium")
CHROMEDRIVER = os.environ.get("ORDNING_CHROMEDRIVER", "/usr/bin/chromedriver")
SIZES = {"phone": (360, 740), "desk": (1280, 800)}
BLOCKING_IMPACTS = ("serious", "critical")
BANNER = "Ordning is running"
REFERENCE = re.compile(r"\b(\d{4}-\d{6})\b")  # a case's reference number, e.g. 2026-000042
WEB_LINE = re.compile(r"Öppna (http://127\.0\.0\.1:\d+) i webbläsaren")

# What axe found, over the session, for the summary at the end and var/screenshots/axe-report.json.
AXE_FINDINGS: list[dict] = []


def screenshots_dir() -> Path:
    return Path(os.environ.get("ORDNING_SCREENSHOTS") or ROOT / "var" / "screenshots")


def require_browser() -> None:
    missing = [path for path in (CHROMIUM, CHROMEDRIVER) if not os.access(path, os.X_OK)]
    if not missing:
        return
    message = (f"the browser tests need Debian's chromium and chromium-driver ({', '.join(missing)} missing); "
               "`make test` installs them when run as root, or: "
               "sudo apt-get install -y --no-install-recommends chromium chromium-driver")
    if IN_CI:
        pytest.fail(message, pytrace=False)  # CI never passes without the browser tests
    pytest.skip(message)


def free_port_base() -> int:
    """A free port in a row for each process of the stack (the web and the APIs), in a range of this test run's
    own."""
    from ordning_shared.devstack import SERVICES

    start = 24000 + os.getpid() % 600 * 10
    for base in list(range(start, 30000, 10)) + list(range(24000, start, 10)):
        try:
            for port in range(base, base + len(SERVICES)):
                with socket.socket() as sock:
                    sock.bind(("127.0.0.1", port))
            return base
        except OSError:
            continue
    raise AssertionError("no free ports in a row for the stack between 24000 and 30000")


class Stack:
    """`python -m ordning_shared.devstack` (what `make run` runs) on a data folder of its own."""

    def __init__(self, data_dir: Path):
        env = {name: value for name, value in os.environ.items()
               if not name.startswith("ORDNING_") and name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
        env.update(ORDNING_DATA_DIR=str(data_dir), ORDNING_RUN_PORT_BASE=str(free_port_base()),
                   ORDNING_LOG_LEVEL="WARNING")
        self.output: list[str] = []
        self.process = subprocess.Popen([sys.executable, "-m", "ordning_shared.devstack"], env=env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        threading.Thread(target=lambda: self.output.extend(iter(self.process.stdout.readline, "")),
                         daemon=True).start()
        self.web_url = ""
        self.data_dir = data_dir

    @property
    def text(self) -> str:
        return "".join(self.output)

    def api_url(self, service: str) -> str:
        """A service's API address, as the launcher's banner lists it."""
        return re.search(rf"^\s+{service}\s+(http://127\.0\.0\.1:\d+)", self.text, re.MULTILINE).group(1)

    def wait_running(self, timeout: float = 180) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None and BANNER not in self.text:
            time.sleep(0.1)
        assert BANNER in self.text, self.text
        self.web_url = WEB_LINE.search(self.text).group(1)  # the address the launcher tells people to open

    def stop(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGINT)  # Ctrl-C, as a person stops it
            try:
                self.process.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait()


@pytest.fixture(scope="session")
def web_stack(tmp_path_factory):
    require_browser()
    stack = Stack(tmp_path_factory.mktemp("browser-stack") / "var")
    try:
        stack.wait_running()
        yield stack
    finally:
        stack.stop()


def chrome(width: int, height: int):
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu",
                     "--no-first-run", "--disable-extensions", "--lang=sv-SE", f"--window-size={width},{height}"):
        options.add_argument(argument)
    # Swedish first in Accept-Language and navigator.language, as the people who use Ordning.
    options.add_experimental_option("prefs", {"intl.accept_languages": "sv-SE,sv"})
    # The chromedriver of the same Debian package version as the browser: selenium downloads nothing.
    return webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)


# Whether the focused element draws a focus indicator: it matches :focus-visible (the keyboard put it
# there) and has an outline or a box shadow.
FOCUS_STATE = """
const el = document.activeElement;
if (!el || el === document.body || el === document.documentElement) return {focused: false};
const style = getComputedStyle(el);
const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
const shadow = !!style.boxShadow && style.boxShadow !== 'none';
const box = el.getBoundingClientRect();
// Chrome's date and time fields take the focus in their parts (day, month, ... and the calendar button);
// the field matches :focus-within then, not always :focus-visible, and must draw the indicator itself.
const segmented = el.tagName === 'INPUT' && ['date', 'time', 'datetime-local', 'month', 'week'].includes(el.type);
return {focused: true,
        visible: (el.matches(':focus-visible') || (segmented && el.matches(':focus-within'))) && (outline || shadow),
        onScreen: box.width > 0 && box.height > 0,
        tag: el.tagName.toLowerCase(), id: el.id, name: el.getAttribute('name') || '',
        text: (el.innerText || el.value || el.getAttribute('aria-label') || '').trim().slice(0, 80),
        outline: style.outlineStyle + ' ' + style.outlineWidth, shadow: style.boxShadow, hasFocus: document.hasFocus(),
        focus: el.matches(':focus'), focusVisible: el.matches(':focus-visible'), type: el.type};
"""

RUN_AXE = """
const done = arguments[arguments.length - 1];
axe.run(document, {resultTypes: ['violations']})
  .then(result => done(result.violations.map(v => ({id: v.id, impact: v.impact, help: v.help,
      nodes: v.nodes.slice(0, 5).map(n => n.target.join(' '))}))))
  .catch(error => done({error: String(error)}));
"""


_DATE_ORDER: list[str] = []


def _date_order(driver) -> list[str]:
    """The order of a date field's parts in this Chromium (its language, not the page's, decides): typed once
    into a field on a blank page of its own and read back."""
    if not _DATE_ORDER:
        from selenium.webdriver.common.action_chains import ActionChains

        driver.get("data:text/html;charset=utf-8,<input type=date id=d autofocus>")
        driver.execute_script("document.getElementById('d').focus()")
        ActionChains(driver).send_keys("11" "12" "2013").perform()  # a part of each width
        value = driver.execute_script("return document.getElementById('d').value")
        orders = {"2013-11-12": ["month", "day", "year"], "2013-12-11": ["day", "month", "year"]}
        _DATE_ORDER.extend(orders.get(value, ["year", "month", "day"]))
    return _DATE_ORDER


class Browser:
    """One browser at one size for one test, worked with the keyboard."""

    def __init__(self, driver, base_url: str, size: str, test_name: str):
        self.driver, self.base_url, self.size, self.test_name = driver, base_url, size, test_name
        self.pages_checked = 0
        self._axe_source = AXE.read_text(encoding="utf-8")
        self.tab_path: list[dict] = []
        self.date_order = _date_order(driver)
        self._emulate(size)

    # --- sizes, pages, checks -------------------------------------------------------------------------

    def _emulate(self, size: str) -> None:
        width, height = SIZES[size]
        self.driver.execute_cdp_cmd("Emulation.setDeviceMetricsOverride", {
            "width": width, "height": height, "deviceScaleFactor": 1, "mobile": size == "phone"})

    @property
    def path(self) -> str:
        url = self.driver.current_url
        return url[len(self.base_url):] if url.startswith(self.base_url) else url

    def open(self, path: str) -> None:
        """Types an address into the browser, as a person does; the page is then checked."""
        self.driver.get(self.base_url + path)
        self.check_page()

    def check_page(self) -> None:
        """axe and a screenshot at both widths, once per document (a mark on the window says it is done)."""
        self._wait_loaded()
        if self.driver.execute_script("return window.__ordningChecked === true"):
            return
        self.pages_checked += 1
        # Ids are new on every run: named "id", a run's screenshots replace the last run's.
        path = re.sub(r"[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}", "id", self.path.split("?")[0])
        label = re.sub(r"[^a-z0-9]+", "-", path.lower()).strip("-") or "start"
        for size in SIZES:
            self._emulate(size)
            violations = self._axe()
            AXE_FINDINGS.append({"test": self.test_name, "size": size, "path": self.path, "violations": violations})
            self._screenshot(f"{self.test_name}--{self.pages_checked:02d}-{label}--{size}-{SIZES[size][0]}px")
            blocking = [v for v in violations if v["impact"] in BLOCKING_IMPACTS]
            assert not blocking, f"axe on {self.path} at {size} width:\n" + json.dumps(blocking, indent=2,
                                                                                        ensure_ascii=False)
        self._emulate(self.size)
        self.driver.execute_script("window.__ordningChecked = true")

    def _wait_loaded(self, timeout: float = 30) -> None:
        deadline = time.monotonic() + timeout
        while self.driver.execute_script("return document.readyState") != "complete":
            assert time.monotonic() < deadline, f"{self.path} did not finish loading"
            time.sleep(0.05)

    def _wait_htmx_answered(self, timeout: float = 30) -> None:
        """Until no htmx request is in flight (htmx marks the element that asked with the class htmx-request)."""
        deadline = time.monotonic() + timeout
        while self.driver.execute_script("return document.querySelector('.htmx-request') !== null"):
            assert time.monotonic() < deadline, f"an htmx request on {self.path} was not answered"
            time.sleep(0.05)

    def _axe(self) -> list[dict]:
        if not self.driver.execute_script("return typeof window.axe === 'object'"):
            # Through the DevTools protocol: the page's Content-Security-Policy does not apply to it.
            self.driver.execute_script(self._axe_source)
        self.driver.set_script_timeout(60)
        result = self.driver.execute_async_script(RUN_AXE)
        assert isinstance(result, list), result
        return result

    def _screenshot(self, name: str) -> None:
        folder = screenshots_dir()
        folder.mkdir(parents=True, exist_ok=True)
        shot = self.driver.execute_cdp_cmd("Page.captureScreenshot", {"format": "png",
                                                                      "captureBeyondViewport": True})
        (folder / f"{name}.png").write_bytes(base64.b64decode(shot["data"]))

    def wait_for_new_page(self, timeout: float = 40) -> None:
        """After a key that submits or follows a link: wait for the next document, then check it."""
        deadline = time.monotonic() + timeout
        while True:
            try:
                if not self.driver.execute_script("return window.__ordningChecked === true"):
                    break
            except Exception:  # the old document is going away
                pass
            assert time.monotonic() < deadline, f"no new page after the key, still on {self.path}"
            time.sleep(0.05)
        self.check_page()

    # --- the keyboard -------------------------------------------------------------------------------

    def _keys(self, *keys) -> None:
        from selenium.webdriver.common.action_chains import ActionChains

        ActionChains(self.driver).send_keys(*keys).perform()

    def focus_state(self) -> dict:
        return self.driver.execute_script(FOCUS_STATE)

    def tab(self, backwards: bool = False) -> dict:
        from selenium.webdriver.common.keys import Keys

        if backwards:
            from selenium.webdriver.common.action_chains import ActionChains
            ActionChains(self.driver).key_down(Keys.SHIFT).send_keys(Keys.TAB).key_up(Keys.SHIFT).perform()
        else:
            self._keys(Keys.TAB)
        state = self.focus_state()
        if state["focused"] and not state["visible"]:
            time.sleep(0.3)  # a field whose focus moves into its parts (a date's segments) gets a moment
            state = self.focus_state()
        self.tab_path.append(state)
        if state["focused"] and not state["visible"]:
            self._screenshot(f"{self.test_name}--focus-not-visible--{self.size}")  # for the one who fixes it
        if state["focused"]:
            assert state["visible"], (f"on {self.path} the focus on {state} is not visible; the Tabs before: "
                                      + ", ".join(f"{t.get('id') or t.get('tag')}" for t in self.tab_path[-12:-1]))
            assert state["onScreen"], f"on {self.path} the focus went to something not shown: {state}"
        return state

    def tab_to(self, matches, what: str, limit: int = 60) -> dict:
        """Tab (forwards) until the focused element satisfies `matches(state)`; fails after `limit` Tabs."""
        seen = []
        for _ in range(limit):
            state = self.tab()
            if state["focused"] and matches(state):
                return state
            seen.append(f"{state.get('tag')}#{state.get('id')} {state.get('text', '')!r}")
        raise AssertionError(f"{what} not reached with {limit} Tabs on {self.path}; the Tab order was:\n"
                             + "\n".join(seen))

    def tab_to_id(self, element_id: str, limit: int = 60) -> dict:
        return self.tab_to(lambda state: state["id"] == element_id, f"#{element_id}", limit)

    def tab_to_name(self, name: str, limit: int = 60) -> dict:
        return self.tab_to(lambda state: state["name"] == name, f"the field {name!r}", limit)

    def tab_to_text(self, text: str, limit: int = 60) -> dict:
        return self.tab_to(lambda state: text.lower() in state["text"].lower(), repr(text), limit)

    def enter(self, navigates: bool = True) -> None:
        from selenium.webdriver.common.keys import Keys

        self._keys(Keys.ENTER)
        if navigates:
            self.wait_for_new_page()

    def space(self, navigates: bool = False) -> None:
        from selenium.webdriver.common.keys import Keys

        self._keys(Keys.SPACE)
        if navigates:
            self.wait_for_new_page()

    def arrow_down(self, times: int = 1) -> None:
        from selenium.webdriver.common.keys import Keys

        self._keys(*([Keys.ARROW_DOWN] * times))

    def type(self, text: str) -> None:
        """Characters into the focused field, as typed."""
        self._keys(text)

    def type_date(self, iso: str) -> None:
        """A date (YYYY-MM-DD) into the focused date field, its parts in the order the field shows them."""
        parts = dict(zip(("year", "month", "day"), iso.split("-")))
        self._keys("".join(parts[part] for part in self.date_order))

    # --- reading the page ---------------------------------------------------------------------------

    def text(self, css: str = "main") -> str:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css).text

    def title(self) -> str:
        return self.driver.title


    # --- flows more than one test uses -----------------------------------------------------------------

    def sign_in(self, name: str) -> None:
        """As the demo user of that name, from the address `make run` prints, by keyboard."""
        self.open("/")
        self.tab_to_text(name)
        self.enter()
        assert f"Inloggad som {name}" in self.text("header")

    def edit_session(self, data_dir: Path, change) -> None:
        """The web's session cookie decoded with the stack's key, changed by `change(session)`, signed again: to
        make time pass (a token's end, a day's sign-in) without waiting for it."""
        from flask import Flask
        from flask.sessions import SecureCookieSessionInterface

        self._wait_htmx_answered()  # a fragment asked for before the change is answered with the session before it
        app = Flask("browser_tests")
        app.secret_key = (data_dir / "web" / "secret-key").read_text(encoding="utf-8").strip()
        serializer = SecureCookieSessionInterface().get_signing_serializer(app)
        cookie = self.driver.get_cookie("ordning_session")
        session = serializer.loads(cookie["value"])
        change(session)
        self.driver.delete_cookie("ordning_session")
        self.driver.add_cookie({"name": "ordning_session", "value": serializer.dumps(session), "path": "/",
                                "httpOnly": True})

    def selected_option(self, element_id: str) -> str:
        return self.driver.execute_script(
            "const s = document.getElementById(arguments[0]); return s.options[s.selectedIndex].text;", element_id)

    def error_at(self, field_id: str) -> str:
        """The form's errors are announced (role=alert) in a summary, and the one at `field_id` is tied to the field
        (aria-invalid, aria-describedby naming the error's text); returns the summary's text."""
        summary = self.text(".error-summary")
        assert self.driver.find_element("css selector", ".error-summary").get_attribute("role") == "alert"
        assert self.driver.execute_script(
            "const d = document.getElementById(arguments[0]);"
            "return d.getAttribute('aria-invalid') === 'true'"
            " && d.getAttribute('aria-describedby').split(' ').includes(arguments[0] + '-fel');", field_id), field_id
        return summary

    def report(self, description: str) -> str:
        """A staff member's report on Rapportera, Tab by Tab, in Hemtjänst Norr; returns the receipt's reference."""
        self.tab_to_text("Rapportera")
        self.enter()
        assert self.path == "/rapportera"
        assert "Rapportera en händelse" in self.text()

        # Sent empty: the errors are announced (role=alert), listed with links, and tied to their fields.
        self.tab_to_id("skicka")
        self.enter()
        summary = self.error_at("description")
        assert "fel i formuläret" in summary, summary

        self.tab_to_id("description")
        self.type(description)
        self.tab_to_id("unit_id")
        self.type("Hemtjänst Norr")  # a select chooses the option whose name is typed
        assert self.selected_option("unit_id") == "Hemtjänst Norr"
        # When: defaults to now; kind: avvikelse is pre-chosen (Tab lands on the checked radio).
        assert self.driver.execute_script("return document.getElementById('occurred_at').value") != ""
        state = self.tab_to_name("kind")
        assert state["id"] == "kind-avvikelse", state
        self.tab_to_id("skicka")
        self.enter()

        heading = self.text("h1")
        assert heading.startswith("Tack! Ditt ärende har nummer"), heading
        return REFERENCE.search(heading).group(1)


def _test_name(request) -> str:
    return re.sub(r"[^A-Za-z0-9_-]+", "-", request.node.name).strip("-")


@pytest.fixture
def open_browser(request, web_stack):
    """Opens fresh browsers (no cookies), one per person in a test: open_browser("phone", "anna"); the
    person's name goes into the screenshots' names."""
    drivers = []

    def opened(size: str, person: str = "") -> Browser:
        driver = chrome(*SIZES[size])
        drivers.append(driver)
        name = _test_name(request) + (f"-{person}" if person else "")
        return Browser(driver, web_stack.web_url, size, name)

    try:
        yield opened
    finally:
        for driver in drivers:
            driver.quit()


@pytest.fixture(params=sorted(SIZES))
def browser(request, open_browser):
    """A fresh browser at phone or desk size: the test runs at both."""
    return open_browser(request.param)


def pytest_terminal_summary(terminalreporter):
    if not AXE_FINDINGS:
        return
    pages = {(finding["test"], finding["path"]) for finding in AXE_FINDINGS}
    counts: dict[str, set] = {}
    for finding in AXE_FINDINGS:
        for violation in finding["violations"]:
            counts.setdefault(f"{violation['impact']}: {violation['id']}", set()).add(finding["path"])
    terminalreporter.write_sep("-", "axe-core in the browser tests")
    terminalreporter.write_line(f"{len(pages)} pages checked at {len(SIZES)} widths ({len(AXE_FINDINGS)} runs); "
                                f"violations by impact and rule: {json.dumps({k: sorted(v) for k, v in counts.items()}, ensure_ascii=False) if counts else 'none'}")
    folder = screenshots_dir()
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "axe-report.json").write_text(json.dumps(AXE_FINDINGS, indent=2, ensure_ascii=False))
    terminalreporter.write_line(f"screenshots and axe-report.json in {folder}")


def deviations_setting(web_stack, path: str, body: dict | None = None) -> dict:
    """A tenant setting of the deviations service (e.g. /api/v1/lex-policies/lex_sarah) as it holds it, read with
    the demo administrator's token; with `body`, set to it first (If-Match from the read)."""
    import requests

    from ordning_shared.devstack import demo_token

    url = web_stack.api_url("deviations") + path
    headers = {"Authorization": f"Bearer {demo_token(web_stack.data_dir, 'admin')}"}
    answer = requests.get(url, headers=headers, timeout=30)
    assert answer.status_code == 200, answer.text
    if body is not None:
        answer = requests.put(url, json=body, headers={**headers, "If-Match": answer.headers["ETag"]}, timeout=30)
        assert answer.status_code == 200, answer.text
    return answer.json()
