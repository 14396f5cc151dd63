"""The container image's recipe, and what it installs, checked without a Docker engine.

The image installs each service as a plain (non-editable) package, so what the chart runs from it
must work from an installed package too; here that install is made into a folder and its
migration entry point is run, in production configuration, against a real PostgreSQL."""
from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = (ROOT / "Dockerfile").read_text()
# Every deployable the image builds (--build-arg SERVICE=<name>), and those that own a database.
DEPLOYABLES = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
SERVICES_WITH_CODE = sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations"))


def stages() -> list[str]:
    return re.split(r"^FROM ", DOCKERFILE, flags=re.MULTILINE)[1:]


def test_the_final_stage_runs_as_a_user_and_carries_no_build_tools():
    final = stages()[-1]
    assert re.search(r"^USER 10001:10001$", final, flags=re.MULTILINE)
    instructions = [line for line in final.splitlines() if line and not line.startswith("#")]
    for tool in ("gcc", "build-essential", "pip install", "COPY shared", "COPY services"):
        assert not [line for line in instructions if tool in line], tool
    # apt-get installs only the run-time libraries a service lists (services/<name>/system-packages.txt).
    assert all("system-packages.txt" in line or "apt-get update" in line
               for line in instructions if "apt-get install" in line or "apt-get update" in line)
    for listed in ROOT.glob("services/*/system-packages.txt"):
        names = set(listed.read_text().split())
        assert names and not names & {"gcc", "g++", "make", "build-essential", "python3-dev"}, listed
    assert re.search(r"pip uninstall --yes pip setuptools", final)
    # Only the built virtual environment crosses from the build stage.
    assert re.findall(r"^COPY .*$", final, flags=re.MULTILINE) == ["COPY --from=build /opt/ordning /opt/ordning"]


def test_both_stages_use_the_same_pinned_base_and_the_pinned_dependencies():
    bases = [stage.splitlines()[0].split()[0] for stage in stages()]
    assert len(set(bases)) == 1 and re.fullmatch(r"python:\d+\.\d+\.\d+-slim-\w+", bases[0])
    assert "-c constraints.txt" in stages()[0]


def test_the_default_command_is_the_api_make_run_serves():
    command = re.search(r"^CMD (.*)$", DOCKERFILE, flags=re.MULTILINE).group(1)
    assert "gunicorn --config python:ordning_shared.gunicorn_conf" in command
    assert '"ordning_${ORDNING_SERVICE}.app:create_app()"' in command
    assert "ORDNING_ENV=production" in DOCKERFILE


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Path:
    """shared and every service installed as the image installs them: built wheels, not editable."""
    target = tmp_path_factory.mktemp("image") / "site-packages"
    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet", "--no-deps", "--target", str(target),
                    str(ROOT / "shared"), *(str(ROOT / "services" / s) for s in DEPLOYABLES)],
                   check=True, capture_output=True, timeout=600)
    return target


def run_installed(installed: Path, code: str, env: dict, cwd: Path) -> subprocess.CompletedProcess:
    # PYTHONPATH puts the installed copy ahead of the editable checkout in site-packages.
    return subprocess.run([sys.executable, "-c", code], env=dict(env, PYTHONPATH=str(installed)), cwd=cwd,
                          capture_output=True, text=True, timeout=300)


@pytest.mark.integration
@pytest.mark.parametrize("service", SERVICES_WITH_CODE)
def test_an_installed_service_migrates_its_database_from_mounted_secrets(service, installed, create_database,
                                                                           tmp_path):
    database_url = create_database(service)
    (tmp_path / "database-url").write_text(database_url)
    (tmp_path / "broker-url").write_text("amqp://guest:guest@localhost:5672//")
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDNING_")}
    env.update({
        "ORDNING_ENV": "production",
        f"ORDNING_{service.upper()}_DATABASE_URL_FILE": str(tmp_path / "database-url"),
        "ORDNING_BROKER_URL_FILE": str(tmp_path / "broker-url"),
        "ORDNING_AUTH_JWKS_URL": "https://idp.example/keys",
        "ORDNING_AUTH_ISSUER": "https://idp.example",
    })
    where = run_installed(installed, f"import ordning_{service}.migrations as m; print(m.__file__)", env, tmp_path)
    assert where.returncode == 0, where.stderr
    assert Path(where.stdout.strip()).is_relative_to(installed)  # not the source checkout

    migrated = run_installed(
        installed, f"from ordning_shared.migrations import main; main([{service!r}])", env, tmp_path)
    assert migrated.returncode == 0, migrated.stderr[-3000:]
    with psycopg.connect(database_url.replace("+psycopg", "")) as connection:
        # one row per head: the service's, and a platform branch's when it is ahead of what the service needs
        heads = {row[0] for row in connection.execute("SELECT version_num FROM alembic_version")}
        tables = {row[0] for row in connection.execute(
            "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public'")}
    versions = sorted(p.stem for p in (ROOT / "services" / service / "migrations" / "versions").glob("0*.py"))
    assert versions[-1].split("_")[0] in heads
    assert {"outbox", "inbox", "audit_log", "read_log"} <= tables


def test_an_installed_service_refuses_to_start_without_its_database(installed, tmp_path):
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDNING_")}
    env.update({"ORDNING_ENV": "production", "ORDNING_AUTH_JWKS_URL": "https://idp.example/keys",
                "ORDNING_AUTH_ISSUER": "https://idp.example", "ORDNING_BROKER_URL": "amqp://mq//",
                "ORDNING_DEVIATIONS_DATABASE_URL_FILE": str(tmp_path / "not-mounted")})
    result = run_installed(installed, "from ordning_shared.migrations import main; main(['deviations'])", env, tmp_path)
    assert result.returncode != 0
    assert "ORDNING_DEVIATIONS_DATABASE_URL_FILE" in result.stderr


def test_the_image_builds_the_web_too():
    assert "web" in DEPLOYABLES
    # The build copies services/${SERVICE}/ and installs it: nothing in the recipe is per service.
    assert "COPY services/${SERVICE}/ services/${SERVICE}/" in DOCKERFILE
    assert '"./services/${SERVICE}"' in DOCKERFILE


WEB_IN_PRODUCTION = """
import ordning_web, ordning_web.app as app_module
from pathlib import Path
print(Path(ordning_web.__file__).parent)
client = app_module.create_app().test_client()
health = client.get("/healthz")
css = client.get("/static/ordning.css")
page = client.get("/utloggad")  # a template page that calls nobody
print(health.status_code, css.status_code, len(css.data), page.status_code, page.headers.get("Location", ""))
"""


def test_the_installed_web_serves_its_pages_and_files_in_production(installed, tmp_path):
    """The installed wheel carries the templates and the static files, and starts in production
    configuration from the chart's variables and mounted secrets (no database, no broker)."""
    (tmp_path / "client-secret").write_text("s3cret")
    (tmp_path / "session-key").write_text("k" * 64)
    env = {k: v for k, v in os.environ.items() if not k.startswith("ORDNING_")}
    env.update({
        "ORDNING_ENV": "production",
        "ORDNING_WEB_PROCESSES_URL": "http://ordning-processes-api.ordning.svc",
        "ORDNING_WEB_DEVIATIONS_URL": "http://ordning-deviations-api.ordning.svc",
        "ORDNING_WEB_RISKS_URL": "http://ordning-risks-api.ordning.svc",
        "ORDNING_WEB_REPORTING_URL": "http://ordning-reporting-api.ordning.svc",
        "ORDNING_WEB_OIDC_ISSUER": "https://idp.example",
        "ORDNING_WEB_OIDC_CLIENT_ID": "ordning-web",
        "ORDNING_WEB_OIDC_CLIENT_SECRET_FILE": str(tmp_path / "client-secret"),
        "ORDNING_WEB_SECRET_KEY_FILE": str(tmp_path / "session-key"),
    })
    result = run_installed(installed, WEB_IN_PRODUCTION, env, tmp_path)
    assert result.returncode == 0, result.stderr[-3000:]
    where, answers = result.stdout.strip().splitlines()[-2:]
    assert Path(where).is_relative_to(installed)  # the wheel, not the source checkout
    health, css, css_bytes, signin, location = (answers.split() + [""])[:5]
    assert (health, css) == ("200", "200") and int(css_bytes) > 500
    assert signin == "200", answers
    assert (Path(where) / "templates" / "base.html").exists()
