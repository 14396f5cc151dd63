"""`make run`: the embedded stack, with nothing but Python.

Every service runs as one process (ordning_shared.embedded: its API and its worker
loops as threads) on SQLite files and kombu's filesystem transport under one data
folder (ORDNING_DATA_DIR, default ./var). On the first start a demo municipality is
seeded through the services' own APIs. The web, which owns no data, is one more process,
on the first port (8000): the page a newcomer opens.
"""
from __future__ import annotations

import errno
import json
import os
import shlex
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.request
from datetime import datetime, timedelta, timezone
from pathlib import Path

from . import demo, demo_goals, demo_risks, embedded
from .auth import LocalIssuer
from .config import Settings

# In start order, one port each from ORDNING_RUN_PORT_BASE: the web on the base port (8000), then the
# APIs, the org tree first (processes 8001, deviations 8002, risks 8003, reporting 8004, notify 8005).
SERVICES = ["web", "processes", "deviations", "risks", "reporting", "notify"]
WEB = "web"
APIS = [service for service in SERVICES if service != WEB]


def port_of(service: str) -> int:
    base = int(os.environ.get("ORDNING_RUN_PORT_BASE", "8000"))
    return base + SERVICES.index(service)


def base_url(service: str) -> str:
    return f"http://127.0.0.1:{port_of(service)}"


def _request(method: str, url: str, body=None, token: str | None = None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(url, data=data, method=method)
    if data is not None:
        request.add_header("Content-Type", "application/json")
    if token:
        request.add_header("Authorization", f"Bearer {token}")
    for name, value in (headers or {}).items():
        request.add_header(name, value)
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read() or b"null"), dict(response.headers)
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"null"), dict(error.headers)


def demo_token(data_dir: Path, user: str) -> str:
    return demo.demo_token(LocalIssuer(data_dir), user)


def _wait_ready(service: str, check=lambda: None, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        check()
        try:
            status, _, _ = _request("GET", base_url(service) + "/readyz")
            if status == 200:
                return
        except (urllib.error.URLError, ConnectionError, OSError):
            pass
        time.sleep(0.3)
    raise ServiceFailed(f"{service} did not become ready within {timeout:.0f}s; see the log above")


def seed(data_dir: Path, check=lambda: None) -> None:
    """The demo municipality, through the APIs, so its events flow like any other."""
    processes = base_url("processes") + "/api/v1/org-units"
    for tenant, name, kind, parent in demo.ORG_UNITS:
        admin = "admin" if tenant == "0138" else "olle"
        body = {"id": demo.unit_id(tenant, name), "kind": kind, "name": name}
        if parent:
            body["parent_id"] = demo.unit_id(tenant, parent)
        check()
        status, answer, _ = _request("POST", processes, body, demo_token(data_dir, admin),
                                     {"Idempotency-Key": f"demo-{body['id']}"})
        if status not in (200, 201):
            raise ServiceFailed(f"seeding {name} failed: {status} {answer}")
    seed_roles(data_dir, check)

    seed_documents(data_dir, check)

    step_ids = seed_process_map(data_dir, check)

    deviations = base_url("deviations") + "/api/v1/deviations"
    anna, erik, sara = (demo_token(data_dir, user) for user in ("anna", "erik", "sara"))
    norr = demo.unit_id("0138", "Hemtjänst Norr")
    solgarden = demo.unit_id("0138", "Särskilt boende Solgården")
    cases = [
        (anna, {"kind": "avvikelse", "unit_id": norr,
                "description": "Insatsen hos brukaren uteblev på morgonen; schemat visade fel tid.",
                "process_step_id": step_ids["Genomföra uppdrag"]}),
        (anna, {"kind": "lex_sarah", "unit_id": norr,
                "description": "Brukaren lämnades ensam längre än planerat vid dubbelbemanning."}),
        (sara, {"kind": "lex_maria", "unit_id": solgarden,
                "description": "Läkemedel gavs till fel boende; ingen synlig skada."}),
        (anna, {"kind": "synpunkt", "unit_id": norr, "description": "Förslag: ny checklista vid nyckelöverlämning."}),
    ]
    deadline = time.monotonic() + 60
    created = []
    for token, body in cases:
        while True:  # the deviations worker builds its copies of the org tree and the process map from events first
            check()
            status, answer, _ = _request("POST", deviations, body, token,
                                         {"Idempotency-Key": f"demo-{body['kind']}-{body['unit_id']}"})
            if status == 201:
                created.append(answer)
                break
            if status == 422 and (answer or {}).get("code") in ("unknown_unit", "unknown_process_step") \
                    and time.monotonic() < deadline:
                time.sleep(0.3)
                continue
            raise ServiceFailed(f"seeding a {body['kind']} failed: {status} {answer}")
    first = created[0]
    status, answer, headers = _request("POST", f"{deviations}/{first['id']}/transitions", {"command": "receive"},
                                       erik, {"If-Match": f'"{first["id"]}.{first["version"]}"'})
    if status != 200:
        raise ServiceFailed(f"seeding a transition failed: {status} {answer}")
    _request("POST", base_url("deviations") + "/api/v1/public/0138/feedback",
             {"kind": "klagomal", "unit_id": norr, "anonymous": True,
              "description": "Hemtjänsten kom inte på utsatt tid tre dagar i rad."},
             headers={"Idempotency-Key": "demo-citizen-klagomal"})
    demo_risks.seed(data_dir, check)
    demo_goals.seed(data_dir, check)
    seed_region_consents(data_dir, check)


def seed_region_consents(data_dir: Path, check=lambda: None) -> None:
    """The municipalities that agree to be shown in their region's view (demo.REGION_CONSENTS), each by its
    administrator, so that the region host's page shows real figures (small counts suppressed) from the start."""
    consent = base_url("reporting") + "/api/v1/region/consent"
    for tenant in demo.REGION_CONSENTS:
        admin = demo_token(data_dir, "admin" if tenant == "0138" else "olle")
        check()
        status, answer, headers = _request("GET", consent, token=admin)
        if status != 200:
            raise ServiceFailed(f"reading the region consent of {tenant} failed: {status} {answer}")
        if answer["agreed"]:
            continue
        status, answer, _ = _request("PUT", consent, {"region": tenant[:2]}, admin,
                                     {"If-Match": headers.get("ETag", "")})
        if status != 200:
            raise ServiceFailed(f"seeding the region consent of {tenant} failed: {status} {answer}")


def seed_documents(data_dir: Path, check=lambda: None) -> None:
    """The demo municipality's established routines: drafted, put up for approval and established."""
    documents = base_url("processes") + "/api/v1/documents"
    author, approver = demo_token(data_dir, demo.DOCUMENT_AUTHOR), demo_token(data_dir, demo.DOCUMENT_APPROVER)
    review = (datetime.now(timezone.utc).date() + timedelta(days=365)).isoformat()
    for tenant, owner, title, text, decision in demo.DOCUMENTS:
        check()
        status, answer, _ = _request("POST", documents, {
            "kind": "rutin", "owner_unit_id": demo.unit_id(tenant, owner), "title": title, "body": text},
            author, {"Idempotency-Key": f"demo-document-{demo.unit_id(tenant, title)}"})
        if status not in (200, 201):
            raise ServiceFailed(f"seeding {title} failed: {status} {answer}")
        version = answer["version"]
        path = f"{documents}/{answer['id']}/versions/{version['number']}"
        for command, body, token in (("submit", {}, author),
                                     ("establish", {"decision_reference": decision, "review_date": review},
                                      approver)):
            status, version, _ = _request("POST", f"{path}/{command}", body, token,
                                          {"If-Match": f'"{answer["id"]}.{version["number"]}.{version["revision"]}"'})
            if status != 200:
                raise ServiceFailed(f"seeding {title} failed at {command}: {status} {version}")


def seed_roles(data_dir: Path, check=lambda: None) -> None:
    """The demo users' roles at their units (demo.ROLE_ASSIGNMENTS), assigned by each tenant's administrator."""
    assignments = base_url("processes") + "/api/v1/role-assignments"
    for user, role, unit in demo.ROLE_ASSIGNMENTS:
        tenant, name, _roles, _units = demo.USERS[user]
        admin = "admin" if tenant == "0138" else "olle"
        body = {"role": role, "unit_id": demo.unit_id(tenant, unit), "user_id": f"demo-{user}",
                "display_name": name.split(",")[0], "valid_from": "2026-01-01"}
        check()
        status, answer, _ = _request("POST", assignments, body, demo_token(data_dir, admin),
                                     {"Idempotency-Key": f"demo-role-{user}-{role}"})
        if status not in (200, 201):
            raise ServiceFailed(f"seeding the role {role} of {user} failed: {status} {answer}")


def seed_process_map(data_dir: Path, check=lambda: None) -> dict[str, str]:
    """Both process templates copied for Tyresö's Socialförvaltningen and established; the step ids by name."""
    admin = demo_token(data_dir, "admin")
    processes = base_url("processes") + "/api/v1/processes"
    step_ids: dict[str, str] = {}
    for code in demo.PROCESS_TEMPLATES:
        check()
        status, answer, _ = _request("POST", base_url("processes") + f"/api/v1/process-templates/{code}/copy",
                                     {"unit_id": demo.unit_id("0138", "Socialförvaltningen")}, admin,
                                     {"Idempotency-Key": f"demo-process-{code}"})
        if status not in (200, 201):
            raise ServiceFailed(f"seeding the process {code} failed: {status} {answer}")
        if answer["draft"] is not None:
            status, answer, _ = _request("POST", f"{processes}/{answer['id']}/establish",
                                         {"established_on": demo.PROCESSES_ESTABLISHED_ON,
                                          "decision_reference": demo.PROCESSES_DECISION},
                                         admin, {"If-Match": f'"{answer["id"]}.{answer["revision"]}"'})
            if status != 200:
                raise ServiceFailed(f"establishing the process {code} failed: {status} {answer}")
        step_ids.update({step["name"]: step["id"] for step in answer["established"]["steps"]})
    return step_ids


def stop_processes(processes: list[subprocess.Popen], timeout: float) -> None:
    """Ask every process to stop at once, then kill what has not stopped within `timeout` seconds."""
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=timeout)
        except subprocess.TimeoutExpired:
            process.kill()


class StopRequested(Exception):
    """Ctrl-C, SIGTERM or SIGHUP: the user asked the stack to stop."""


class ServiceFailed(Exception):
    """A service of the stack stopped, or could not start; the message says which and why."""


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # a process of the group exists, we may not signal it
        return True
    return True


def _signal_group(pgid: int, signum: int) -> None:
    try:
        os.killpg(pgid, signum)
    except (ProcessLookupError, PermissionError):
        pass


def exit_reason(service: str, returncode: int) -> str:
    if returncode == embedded.EXIT_PORT_IN_USE:
        return embedded.port_in_use_message(service, port_of(service))
    if returncode == embedded.EXIT_WORKER_DIED:
        return f"{service}'s worker loops (outbox relay, consumer, jobs) stopped; its log is above"
    if returncode < 0:
        return f"{service} was killed by {signal.Signals(-returncode).name}"
    return f"{service} stopped with exit status {returncode}; its log is above"


class Launcher:
    """The services as child processes, each in a process group of its own.

    A terminal's Ctrl-C goes to the foreground process group: the launcher alone, so the services
    do not each stop on their own in whatever state; the launcher stops them all, the same way
    every time (SIGTERM to each group, a wait, SIGKILL to what remains).
    """

    def __init__(self, env: dict):
        self.env = env
        self.children: dict[str, subprocess.Popen] = {}
        self.signals_received = 0

    def on_signal(self, signum, _frame) -> None:
        self.signals_received += 1
        if self.signals_received == 1:
            print(f"\n{signal.Signals(signum).name}: stopping the stack (again to kill it at once)",
                  file=sys.stderr, flush=True)

    def check(self) -> None:
        """Raises when the user asked to stop or a service is gone; called at every step of the start too."""
        if self.signals_received:
            raise StopRequested()
        for service, child in self.children.items():
            if child.poll() is not None:
                raise ServiceFailed(exit_reason(service, child.returncode))

    def start(self) -> None:
        sockets = {}
        try:
            # The launcher binds every port itself, before anything starts: a port in use is named
            # at once, and no service can lose a race for its port to another program.
            for service in SERVICES:
                try:
                    sockets[service] = embedded.listening_socket("127.0.0.1", port_of(service))
                except OSError as exc:
                    if exc.errno != errno.EADDRINUSE:
                        raise
                    raise ServiceFailed(embedded.port_in_use_message(service, port_of(service))) from None
            for service in SERVICES:
                fd = sockets[service].fileno()
                self.children[service] = subprocess.Popen(
                    [sys.executable, "-m", "ordning_shared.embedded", service, "--fd", str(fd)],
                    env=self.env, pass_fds=(fd,), start_new_session=True)
        finally:
            for sock in sockets.values():
                sock.close()  # the services hold the ports now

    def stop(self, grace: float = embedded.STOP_SECONDS + 5) -> list[str]:
        """SIGTERM to every service's group, wait, SIGKILL what remains; returns the services killed."""
        for child in self.children.values():
            _signal_group(child.pid, signal.SIGTERM)
        deadline = time.monotonic() + grace
        first_signals = self.signals_received
        while time.monotonic() < deadline and self.signals_received <= max(first_signals, 1):
            # A group outlives its leader while any process of it lives; reap the leader, then ask the group.
            if not any(child.poll() is None or group_alive(child.pid) for child in self.children.values()):
                break
            time.sleep(0.05)
        killed = []
        for service, child in self.children.items():
            if child.poll() is None or group_alive(child.pid):
                _signal_group(child.pid, signal.SIGKILL)
                killed.append(service)
            child.wait()
        return killed


def main() -> None:
    data_dir = Path(os.environ.get("ORDNING_DATA_DIR", "var")).absolute()
    data_dir.mkdir(parents=True, exist_ok=True)
    env = dict(os.environ, ORDNING_ENV="embedded", ORDNING_DATA_DIR=str(data_dir))
    env.pop("ORDNING_AUTH_JWKS_URL", None)
    # A developer's webhook receiver runs on localhost, often over plain http: the embedded default lets notify reach
    # it (production refuses this setting).
    env.setdefault("ORDNING_WEBHOOKS_ALLOW_PRIVATE", "true")
    # The web calls each API where the launcher serves it.
    env.update({f"ORDNING_WEB_{service.upper()}_URL": base_url(service) for service in APIS})
    # The links in notify's mails (written to <data dir>/mail without an SMTP host) lead to the web here.
    env.setdefault("ORDNING_WEB_URL", base_url(WEB))
    Settings.from_env("processes", env)  # fail early on a broken configuration
    LocalIssuer(data_dir).private_key()  # one key, made before the processes race for it
    launcher = Launcher(env)
    for signum in (signal.SIGINT, signal.SIGTERM, signal.SIGHUP):
        signal.signal(signum, launcher.on_signal)
    status = 0
    try:
        launcher.start()
        for service in SERVICES:
            _wait_ready(service, launcher.check)
        marker = data_dir / "demo-seeded"
        if not marker.exists():
            print("seeding the demo municipality (Tyresö 0138, Öckerö 1407) ...", flush=True)
            seed(data_dir, launcher.check)
            marker.write_text(datetime.now(timezone.utc).isoformat())
        print(banner(data_dir), flush=True)
        while True:
            launcher.check()
            time.sleep(0.2)
    except StopRequested:
        pass
    except ServiceFailed as failure:
        print(f"\nordning: {failure}", file=sys.stderr, flush=True)
        status = 1
    finally:
        killed = launcher.stop()
    if killed:
        print(f"ordning: {', '.join(killed)} did not stop on SIGTERM and was killed", file=sys.stderr)
        status = status or 1
    raise SystemExit(status)


def banner(data_dir: Path) -> str:
    lines = ["", f"  Öppna {base_url(WEB)} i webbläsaren (open it in your browser) and sign in as a demo user.",
             "", "Ordning is running (embedded: SQLite and a filesystem bus under %s)" % data_dir, ""]
    for service in APIS:
        lines.append(f"  {service:<11} {base_url(service)}   API docs: {base_url(service)}/docs")
    lines += ["", "Demo users: " + ", ".join(f"{user} ({', '.join(demo.USERS[user][2])})" for user in demo.USERS),
              "", "Try it in bash, in another terminal in this folder: Anna reports a case, then Erik, her",
              "enhetschef, looks it up by its reference number (the one people quote on the phone):", ""]
    lines += [EXAMPLE_INDENT + line for line in example_commands(data_dir)]
    lines += ["", "Stop with Ctrl-C; the data stays in the folder (delete it to start afresh).", ""]
    return "\n".join(lines)


EXAMPLE_INDENT = "    "


def example_commands(data_dir: Path) -> list[str]:
    """The banner's example, copy-paste correct (a test runs it as printed)."""
    dev = base_url("deviations") + "/api/v1/deviations"
    # `make token` reads the default folder; name this one when the stack runs elsewhere.
    folder = "" if data_dir == (Path.cwd() / "var").absolute() else f"ORDNING_DATA_DIR={shlex.quote(str(data_dir))} "
    report = {"kind": "avvikelse", "unit_id": demo.unit_id("0138", "Hemtjänst Norr"),
              "description": "Larmet hos brukaren gick inte att återställa under natten."}
    return [
        f"TOKEN=$({folder}make token USER_NAME=anna)",
        f"CASE=$(curl -s {dev} \\",
        "  -H \"Authorization: Bearer $TOKEN\" -H 'Content-Type: application/json' \\",
        f"  -d '{json.dumps(report, ensure_ascii=False)}')",
        'echo "$CASE"',
        "REF=$(echo \"$CASE\" | python3 -c 'import json, sys; print(json.load(sys.stdin)[\"reference\"])')",
        # The reporter follows her case in its feedback view; the case itself is for those who handle it.
        f"CHEF=$({folder}make token USER_NAME=erik)",
        f"curl -s -H \"Authorization: Bearer $CHEF\" {dev}/by-reference/$REF",
    ]


def token_main() -> None:
    user = sys.argv[1] if len(sys.argv) > 1 and sys.argv[1] else "erik"
    if user not in demo.USERS:
        raise SystemExit("demo users: " + ", ".join(sorted(demo.USERS)))
    print(demo_token(Path(os.environ.get("ORDNING_DATA_DIR", "var")).absolute(), user))


if __name__ == "__main__":
    main()
