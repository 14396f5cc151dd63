"""`make run`'s stack: starts with nothing but Python, seeds the demo municipality, serves it, and
stops (or fails) leaving no process and no port behind."""
from __future__ import annotations

import json
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from ordning_shared import demo

pytestmark = pytest.mark.e2e

ROOT = Path(__file__).resolve().parent.parent
BANNER = "Ordning is running"
STACK = ["web", "processes", "deviations", "risks", "reporting", "notify"]  # one process each, on base + 0 to 5


def port_base(offset: int) -> int:
    # Apart from other test runs on this machine (other pids) and from the other tests of this module
    # (a stack takes base to base + 5: the web and five APIs), below the ephemeral ports (32768).
    return 18000 + os.getpid() % 600 * 24 + offset * 6


def shell_env(**extra) -> dict:
    """The environment of a user's shell: none of the stack's settings, not inside a make (`make test`)."""
    env = {name: value for name, value in os.environ.items()
           if not name.startswith("ORDNING_") and name not in ("MAKELEVEL", "MAKEFLAGS", "MFLAGS")}
    return dict(env, **extra)


class Launcher:
    """`ordning-run` in a session of its own, as a shell starts a foreground job: a terminal's Ctrl-C is
    SIGINT to that process group."""

    def __init__(self, data_dir: Path, base: int):
        self.base = base
        self.output: list[str] = []
        env = shell_env(ORDNING_DATA_DIR=str(data_dir), ORDNING_RUN_PORT_BASE=str(base), ORDNING_LOG_LEVEL="WARNING")
        self.process = subprocess.Popen([sys.executable, "-m", "ordning_shared.devstack"], env=env, cwd=ROOT,
                                        stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
                                        start_new_session=True)
        # Drain the output all along, so no process of the stack blocks on a full pipe.
        threading.Thread(target=lambda: self.output.extend(iter(self.process.stdout.readline, "")),
                         daemon=True).start()

    @property
    def text(self) -> str:
        return "".join(self.output)

    def port(self, service: str) -> int:
        return self.base + STACK.index(service)

    def wait_running(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline and self.process.poll() is None and BANNER not in self.text:
            time.sleep(0.05)
        assert BANNER in self.text, self.text

    def interrupt(self) -> None:
        os.killpg(self.process.pid, signal.SIGINT)  # as the terminal does on Ctrl-C

    def wait(self, timeout: float) -> int:
        try:
            return self.process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            self.kill_all()
            raise AssertionError(f"the launcher did not exit within {timeout}s:\n{self.text}") from None

    def kill_all(self) -> None:
        for pid in [self.process.pid, *descendants(self.process.pid)]:
            try:
                os.killpg(os.getpgid(pid), signal.SIGKILL)
            except (ProcessLookupError, PermissionError):
                pass
        self.process.wait()


def proc_stat(pid: int) -> dict | None:
    """ppid, pgid, session and start time of a live process, None when it is gone (or a zombie)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except (FileNotFoundError, ProcessLookupError):
        return None
    fields = text[text.rindex(")") + 2:].split()
    if fields[0] == "Z":
        return None
    return {"ppid": int(fields[1]), "pgid": int(fields[2]), "sid": int(fields[3]), "start": fields[19]}


def all_processes() -> dict[int, dict]:
    stats = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit() and (stat := proc_stat(int(entry))) is not None:
            stats[int(entry)] = stat
    return stats


def descendants(pid: int) -> dict[int, dict]:
    stats = all_processes()
    found, frontier = {}, [pid]
    while frontier:
        parent = frontier.pop()
        for child, stat in stats.items():
            if stat["ppid"] == parent and child not in found:
                found[child] = stat
                frontier.append(child)
    return found


def command_line(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
    except FileNotFoundError:
        return "(gone)"


def stack_processes_left(launcher_pid: int, seen: dict[int, dict]) -> list[str]:
    """What is left of a stack: processes seen during the run still alive, or any in their groups or sessions."""
    groups = {launcher_pid} | {stat["pgid"] for stat in seen.values()}
    sessions = {launcher_pid} | {stat["sid"] for stat in seen.values()}
    left = []
    for pid, stat in all_processes().items():
        if (pid in seen and seen[pid]["start"] == stat["start"]) or stat["pgid"] in groups or stat["sid"] in sessions:
            left.append(f"{pid}: {command_line(pid)}")
    return left


def listening(port: int) -> bool:
    """Whether a program listens on the port (binding it as a server does, TIME_WAIT does not count)."""
    with socket.socket() as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return True
    return False


@pytest.fixture(scope="module")
def running_stack(tmp_path_factory):
    launcher = Launcher(tmp_path_factory.mktemp("stack") / "var", port_base(0))
    try:
        launcher.wait_running()
        yield launcher
    finally:
        launcher.interrupt()
        try:
            launcher.wait(timeout=30)
        except AssertionError:
            pass


def test_embedded_stack_starts_seeds_and_serves(running_stack):
    deviations = f"http://127.0.0.1:{running_stack.port('deviations')}"
    token = requests.post(f"http://127.0.0.1:{running_stack.port('processes')}/dev/token?user=erik",
                          timeout=10).json()
    listed = requests.get(f"{deviations}/api/v1/deviations",
                          headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    kinds = {item["kind"] for item in listed.json()["items"]}
    assert {"avvikelse", "lex_sarah", "synpunkt", "klagomal"} <= kinds
    assert all(item["unit_id"] == demo.unit_id("0138", "Hemtjänst Norr") for item in listed.json()["items"])

    processes = f"http://127.0.0.1:{running_stack.port('processes')}"
    mapped = requests.get(f"{processes}/api/v1/processes",
                          params={"unit_id": demo.unit_id("0138", "Socialförvaltningen")},
                          headers={"Authorization": f"Bearer {token['access_token']}"}, timeout=10)
    assert mapped.status_code == 200, mapped.text
    established = {item["template_code"]: item["established"] for item in mapped.json()["items"]}
    assert set(established) == set(demo.PROCESS_TEMPLATES) and all(established.values()), established
    linked = next(item for item in listed.json()["items"] if item["kind"] == "avvikelse")
    steps = {s["id"] for version in established.values() for s in version["steps"]}
    assert linked["process_step_id"] in steps


def test_the_demo_chiefs_have_heard_of_the_demo_cases_in_their_notices(running_stack):
    """The notify service of `make run` (SQLite, the filesystem bus): the demo's lex Sarah case at Hemtjänst Norr
    reached its enhetschef and the förvaltningschef, the lex Maria case at Solgården its enhetschef and the MAS,
    and the risk escalated to Socialförvaltningen its förvaltningschef."""
    processes, notify = (f"http://127.0.0.1:{running_stack.port(service)}" for service in ("processes", "notify"))

    def kinds(user: str) -> set[str]:
        token = requests.post(f"{processes}/dev/token?user={user}", timeout=10).json()["access_token"]
        answer = requests.get(f"{notify}/api/v1/notices", headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        return {item["kind"] for item in answer.json()["items"]}

    expected = {"erik": {"lex_sarah_reported", "case_reported"}, "frida": {"lex_sarah_reported", "risk_escalated"},
                "sara": {"lex_maria_reported"}, "maria": {"lex_maria_reported"}}
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline and any(not wanted <= kinds(user) for user, wanted in expected.items()):
        time.sleep(0.5)
    assert {user: kinds(user) & wanted for user, wanted in expected.items()} == expected
    assert kinds("anna") == set()


def test_the_demo_has_a_risk_treatment_plan_and_a_heat_map(running_stack):
    """`make run`'s demo: two analyses with scored risks, actions and a residual scoring at Hemtjänst Norr, and a risk
    escalated to Socialförvaltningen and accepted there: in the förvaltning's plan once, no longer in the unit's."""
    risks = f"http://127.0.0.1:{running_stack.port('risks')}/api/v1"
    token = requests.post(f"http://127.0.0.1:{running_stack.port('processes')}/dev/token?user=frida",
                          timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    forvaltning, norr = demo.unit_id("0138", "Socialförvaltningen"), demo.unit_id("0138", "Hemtjänst Norr")
    plan = requests.get(f"{risks}/risk-treatment-plan", params={"unit_id": forvaltning}, headers=headers, timeout=10)
    assert plan.status_code == 200, plan.text
    listed = plan.json()["risks"]
    assert [(r["current_score"], r["holder_unit_id"] == forvaltning) for r in listed] == [
        (12, False), (9, True), (8, False), (6, False)]  # by level (mycket hög, then hög), then score
    assert [len(r["actions"]) for r in listed] == [1, 0, 0, 2] and listed[3]["residual"]["score"] == 6
    unit = requests.get(f"{risks}/risk-treatment-plan", params={"unit_id": norr}, headers=headers, timeout=10).json()
    assert [r["current_score"] for r in unit["risks"]] == [6]  # the escalated one is the förvaltning's now
    heat = requests.get(f"{risks}/risk-heat-map", params={"unit_id": forvaltning}, headers=headers, timeout=10).json()
    assert heat["total"] == 5 and heat["unscored"] == 0 and [g["matrix_version"] for g in heat["grids"]] == [1]


def test_the_demo_cases_are_counted_in_the_municipalitys_figures(running_stack):
    """Reporting stores the events of every service on the filesystem bus and counts the demo's cases: four
    reported by staff and a citizen's klagomål, at Hemtjänst Norr and Solgården."""
    token = requests.post(f"http://127.0.0.1:{running_stack.port('processes')}/dev/token?user=admin",
                          timeout=10).json()["access_token"]
    figures = f"http://127.0.0.1:{running_stack.port('reporting')}/api/v1/figures"

    def counted():
        answer = requests.get(figures, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        if answer.status_code != 200:
            return None
        return {s["key"]: {f["key"]: f.get("value") for f in s["figures"]} for s in answer.json()["sections"]}

    deadline = time.monotonic() + 30
    sections = counted()
    while (sections is None or sections["deviations"]["total"] < 5) and time.monotonic() < deadline:
        time.sleep(0.5)
        sections = counted()
    assert sections and sections["deviations"]["total"] == 5, sections
    assert sections["lex_sarah"]["reported"] == 1 and sections["lex_maria"]["reported"] == 1
    assert sections["complaints_and_feedback"]["from_citizens"] == 1
    # The demo's risk analyses, routines and goals too, over the last ten years (their dates follow today's).
    year = time.localtime().tm_year

    def everything():
        answer = requests.get(figures, params={"from": f"{year - 9}-01-01", "to": f"{year}-12-31"},
                              headers={"Authorization": f"Bearer {token}"}, timeout=10).json()
        return {s["key"]: {f["key"]: f.get("value") for f in s["figures"]} for s in answer["sections"]}

    found = everything()
    while found["goals"]["goals"] < 2 and time.monotonic() < deadline + 30:  # the goals are seeded last
        time.sleep(0.5)
        found = everything()
    assert found["risks"]["analyses_started"] == 2 and found["risks"]["risks_identified"] == 5, found["risks"]
    assert found["risks"]["escalations_accepted"] == 1 and found["risks"]["risks_taken_over"] == 1
    assert found["documents"]["in_force"] == 2 and found["goals"]["goals"] == 2, (found["documents"], found["goals"])


def test_the_region_host_sees_tyreso_which_agreed_with_small_counts_suppressed(running_stack):
    """Tyresö agreed to be shown to its region (Stockholms län, 01): Regina Region, its host, sees Tyresö's figures
    and not Öckerö's (another län), and the single lex Sarah case as "< 5"."""
    token = requests.post(f"http://127.0.0.1:{running_stack.port('processes')}/dev/token?user=regina",
                          timeout=10).json()["access_token"]
    figures = f"http://127.0.0.1:{running_stack.port('reporting')}/api/v1/region/figures"

    def shown():
        answer = requests.get(figures, headers={"Authorization": f"Bearer {token}"}, timeout=10)
        assert answer.status_code == 200, answer.text
        document = answer.json()
        return document, {s["key"]: {f["key"]: f.get("by_municipality") for f in s["figures"] if f["type"] == "value"}
                          for s in document["sections"]}

    deadline = time.monotonic() + 30
    document, sections = shown()
    while sections["deviations"]["total"].get("0138") != 5 and time.monotonic() < deadline:
        time.sleep(0.5)
        document, sections = shown()
    assert [m["tenant"] for m in document["municipalities"]] == ["0138"], document["municipalities"]
    assert demo.REGION == "01" and demo.USERS["regina"][0] == demo.REGION
    assert sections["deviations"]["total"] == {"0138": 5}
    assert sections["lex_sarah"]["reported"] == {"0138": "< 5"}


def test_the_demo_routines_are_established_for_every_employee_of_the_forvaltning(running_stack):
    processes = f"http://127.0.0.1:{running_stack.port('processes')}"
    token = requests.post(f"{processes}/dev/token?user=anna", timeout=10).json()["access_token"]
    listed = requests.get(f"{processes}/api/v1/documents", headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    assert sorted((d["title"], d["in_force_version"]) for d in listed.json()["items"]) == [
        ("Rutin för avvikelsehantering", 1), ("Rutin för lex Sarah", 1)]


def test_the_demo_users_hold_their_roles(running_stack):
    processes = f"http://127.0.0.1:{running_stack.port('processes')}"
    token = requests.post(f"{processes}/dev/token?user=anna", timeout=10).json()["access_token"]
    listed = requests.get(f"{processes}/api/v1/role-assignments?current=true",
                          headers={"Authorization": f"Bearer {token}"}, timeout=10)
    assert listed.status_code == 200, listed.text
    held = {(item["user_id"], item["role"], item["unit_id"]) for item in listed.json()["items"]}
    assert held == {(f"demo-{user}", role, demo.unit_id("0138", unit)) for user, role, unit in demo.ROLE_ASSIGNMENTS
                    if demo.USERS[user][0] == "0138"}


def test_the_demo_has_two_quality_goals_with_a_year_of_measurements(running_stack):
    """`make run`'s demo: the förvaltning's goal on investigating deviations in time and Hemtjänst Norr's on user
    satisfaction, each with twelve monthly measurements and their computed attainment."""
    goals = f"http://127.0.0.1:{running_stack.port('processes')}/api/v1/quality-goals"
    token = requests.post(f"http://127.0.0.1:{running_stack.port('processes')}/dev/token?user=frida",
                          timeout=10).json()["access_token"]
    headers = {"Authorization": f"Bearer {token}"}
    listed = requests.get(goals, params={"under": demo.unit_id("0138", "Socialförvaltningen")}, headers=headers,
                          timeout=10)
    assert listed.status_code == 200, listed.text
    assert sorted(g["title"] for g in listed.json()["items"]) == ["Avvikelser utreds skyndsamt",
                                                                 "Brukarnöjdhet i hemtjänsten"]
    for goal in listed.json()["items"]:
        attainment = requests.get(f"{goals}/{goal['id']}/attainment", headers=headers, timeout=10).json()
        monthly = [i for i in attainment["indicators"] if i["indicator"]["frequency"] == "monthly"]
        assert [len(i["periods"]) for i in monthly] == [12]
        assert monthly[0]["met"] and monthly[0]["not_met"] + monthly[0]["partly"]


def test_one_process_per_service(running_stack):
    services = [command_line(pid) for pid in descendants(running_stack.process.pid)]
    assert len(services) == len(STACK), services
    assert all("ordning_shared.embedded" in command for command in services), services
    assert sorted(command.split("ordning_shared.embedded ")[1].split()[0] for command in services) == sorted(STACK)


def environment_of(pid: int) -> dict:
    entries = Path(f"/proc/{pid}/environ").read_bytes().split(b"\0")
    return dict(entry.decode().partition("=")[::2] for entry in entries if entry)


def test_the_web_is_the_first_thing_printed_and_serves_the_sign_in_page(running_stack):
    web = f"http://127.0.0.1:{running_stack.port('web')}"
    lines = [line.strip() for line in running_stack.text.splitlines() if "http://" in line]
    # The first address printed, before the APIs'
    assert lines[0].startswith(f"Öppna {web} i webbläsaren"), running_stack.text
    page = requests.get(web + "/", timeout=10)
    assert page.status_code == 200 and page.headers["Content-Type"].startswith("text/html"), page.text[:500]
    for probe in ("/healthz", "/readyz"):
        assert requests.get(web + probe, timeout=10).status_code == 200, probe
    # The web process finds each API where the launcher serves it.
    web_pid = next(pid for pid in descendants(running_stack.process.pid) 
                   if " ordning_shared.embedded web " in command_line(pid))
    environ = environment_of(web_pid)
    assert environ["ORDNING_WEB_PROCESSES_URL"] == f"http://127.0.0.1:{running_stack.port('processes')}"
    assert environ["ORDNING_WEB_DEVIATIONS_URL"] == f"http://127.0.0.1:{running_stack.port('deviations')}"
    assert environ["ORDNING_WEB_RISKS_URL"] == f"http://127.0.0.1:{running_stack.port('risks')}"
    assert environ["ORDNING_WEB_REPORTING_URL"] == f"http://127.0.0.1:{running_stack.port('reporting')}"
    assert environ["ORDNING_WEB_NOTIFY_URL"] == f"http://127.0.0.1:{running_stack.port('notify')}"


def banner_example(output: str) -> list[str]:
    """The commands of the banner's example block, as a user would select and paste them."""
    lines = output[output.index(BANNER):].splitlines()
    start = next(index for index, line in enumerate(lines) if line.startswith("Try it in bash"))
    block = []
    for line in lines[start + 1:]:
        if line.startswith("    "):
            block.append(line[4:])
        elif block:
            break
    return block


# Without curl the example's curl calls go to this stand-in (only the options the example uses).
CURL_STAND_IN = r'''
import sys, urllib.request, urllib.error
args, headers, data, url = sys.argv[1:], {}, None, None
while args:
    arg = args.pop(0)
    if arg == "-H":
        name, _, value = args.pop(0).partition(":")
        headers[name.strip()] = value.strip()
    elif arg == "-d":
        data = args.pop(0).encode()
    elif not arg.startswith("-"):
        url = arg
request = urllib.request.Request(url, data=data, headers=headers)
try:
    with urllib.request.urlopen(request) as response:
        status, body = response.status, response.read()
except urllib.error.HTTPError as error:
    status, body = error.code, error.read()
sys.stdout.write(body.decode())
sys.stderr.write(f"HTTP {status}\n")
'''


def test_the_banners_example_works_as_printed(running_stack, tmp_path):
    commands = banner_example(running_stack.text)
    assert commands and commands[0].startswith("TOKEN=$(") and "make token USER_NAME=anna" in commands[0]
    if shutil.which("curl"):  # each curl call reports its status on stderr, beside what it prints
        wrapper = """curl() { command curl --write-out '%{stderr}HTTP %{http_code}\\n' "$@"; }"""
    else:
        (tmp_path / "curl.py").write_text(CURL_STAND_IN)
        wrapper = f"""curl() {{ {sys.executable} {tmp_path / 'curl.py'} "$@"; }}"""
    result = subprocess.run(["bash", "-c", wrapper + "\n" + "\n".join(commands)], cwd=ROOT, env=shell_env(),
                            capture_output=True, text=True, timeout=300)
    statuses = re.findall(r"^HTTP (\d+)$", result.stderr, re.MULTILINE)
    assert statuses[:1] == ["201"], (commands, result.stdout, result.stderr)
    reported, _, found = result.stdout.partition("\n")
    reference = json.loads(reported)["reference"]
    assert re.fullmatch(r"\d{4}-\d{6}", reference)
    # The lookup by reference number (GET /api/v1/deviations/by-reference/<reference>).
    assert statuses == ["201", "200"], (commands, result.stdout, result.stderr)
    assert json.loads(found)["reference"] == reference


def test_ctrl_c_ten_times_leaves_no_process_and_no_port(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "demo-seeded").write_text("not needed here: only the start and the stop are")
    base = port_base(1)
    for attempt in range(10):
        launcher = Launcher(data_dir, base)
        try:
            launcher.wait_running(timeout=60)
            seen = descendants(launcher.process.pid)
            assert seen, launcher.text
            launcher.interrupt()
            # 0: every service stopped on SIGTERM, none had to be killed; within seconds.
            assert launcher.wait(timeout=10) == 0, launcher.text
        finally:
            if launcher.process.poll() is None:
                launcher.kill_all()
        assert stack_processes_left(launcher.process.pid, seen) == [], f"attempt {attempt + 1}"
        for service in STACK:
            assert not listening(launcher.port(service)), f"attempt {attempt + 1}: {service}'s port is held"


def test_a_port_in_use_stops_the_start_at_once_naming_service_and_port(tmp_path):
    base = port_base(2)
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", base + 2))
        squatter.listen()
        started = time.monotonic()
        launcher = Launcher(tmp_path / "var", base)
        status = launcher.wait(timeout=15)
        elapsed = time.monotonic() - started
    assert status != 0
    assert elapsed < 10
    message = launcher.text
    assert f"deviations cannot listen on port {base + 2}" in message, message
    assert "another program is using it" in message
    assert f"ss -ltnp 'sport = :{base + 2}'" in message and "ORDNING_RUN_PORT_BASE" in message
    assert BANNER not in message
    assert not listening(base) and not listening(base + 1)


def test_a_service_that_dies_stops_the_stack_with_the_reason(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "demo-seeded").write_text("")
    launcher = Launcher(data_dir, port_base(3))
    try:
        launcher.wait_running(timeout=60)
        seen = descendants(launcher.process.pid)
        deviations = next(pid for pid in seen if "deviations" in command_line(pid))
        os.kill(deviations, signal.SIGKILL)
        status = launcher.wait(timeout=15)
    finally:
        if launcher.process.poll() is None:
            launcher.kill_all()
    assert status != 0
    assert "deviations was killed by SIGKILL" in launcher.text, launcher.text
    assert stack_processes_left(launcher.process.pid, seen) == []
    assert not listening(launcher.port("processes"))


def test_a_service_run_by_hand_on_a_port_in_use_says_so(tmp_path):
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        result = subprocess.run([sys.executable, "-m", "ordning_shared.embedded", "processes", "--port", str(port)],
                                env=shell_env(ORDNING_DATA_DIR=str(tmp_path)), capture_output=True, text=True,
                                timeout=60)
    assert result.returncode == 3
    assert f"processes cannot listen on port {port}: another program is using it" in result.stderr


def test_the_readme_quick_start_is_the_banners_example(monkeypatch):
    from ordning_shared.devstack import example_commands

    monkeypatch.delenv("ORDNING_RUN_PORT_BASE", raising=False)
    monkeypatch.chdir(ROOT)
    readme = (ROOT / "README.md").read_text().splitlines()
    for command in example_commands(ROOT / "var"):
        assert command in readme, command


def test_services_stop_when_the_launcher_is_killed(tmp_path):
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    (data_dir / "demo-seeded").write_text("")
    launcher = Launcher(data_dir, port_base(3))
    try:
        launcher.wait_running(timeout=60)
        seen = descendants(launcher.process.pid)
        launcher.process.kill()  # no chance to stop anything: the services notice on their own
        launcher.process.wait()
        deadline = time.monotonic() + 40
        while time.monotonic() < deadline and stack_processes_left(launcher.process.pid, seen):
            time.sleep(0.1)
    finally:
        for pid in seen:
            try:
                os.killpg(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
    assert stack_processes_left(launcher.process.pid, seen) == []
    assert not any(listening(launcher.port(service)) for service in STACK)


def raw_answer(port: int, request: bytes) -> tuple[str, dict, bytes]:
    with socket.create_connection(("127.0.0.1", port), timeout=10) as sock:
        sock.sendall(request)
        data = b""
        while chunk := sock.recv(65536):
            data += chunk
    head, _, body = data.partition(b"\r\n\r\n")
    status, *headers = head.decode("latin-1").split("\r\n")
    return status, {name.lower(): value.strip() for name, _, value in (line.partition(":") for line in headers)}, body


@pytest.mark.parametrize("request_bytes, status", [
    (b"GET /" + b"a" * 70_000 + b" HTTP/1.1\r\nHost: x\r\n\r\n", 414),
    (b"GET /healthz HTTP/1.1\r\nHost: x\r\n" + b"".join(b"X-%d: 1\r\n" % n for n in range(120)) + b"\r\n", 431),
])
def test_the_embedded_server_answers_unreadable_requests_as_problems(running_stack, request_bytes, status):
    line, headers, body = raw_answer(running_stack.port("deviations"), request_bytes)
    assert line.split()[1] == str(status)
    assert headers["content-type"] == "application/problem+json"
    assert json.loads(body)["status"] == status
