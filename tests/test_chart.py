"""The Helm chart, without a cluster: rendered with Helm's own engine (helm-python-sdk) for every
example values file, linted, validated against the Kubernetes API schemas, scanned with checkov,
and held to the invariants every Ordning container must keep."""
from __future__ import annotations

import copy
import importlib
import json
import os
import re
import subprocess
import tomllib
from pathlib import Path

import helm_python
import jsonschema
import kubernetes_validate
import pytest
import yaml

from ordning_shared.bus import queue_name
from ordning_shared.config import ConfigError, Settings
from ordning_shared.testing import IN_CI, make_settings

ROOT = Path(__file__).resolve().parent.parent
CHART = ROOT / "deploy" / "helm" / "ordning"
EXAMPLES = sorted((ROOT / "deploy" / "helm" / "examples").glob("*.yaml"))
SKIPS = yaml.safe_load((ROOT / "deploy" / "helm" / "checkov-skips.yaml").read_text())
# The oldest Kubernetes the chart claims (Chart.yaml kubeVersion) and a current release.
KUBERNETES_VERSIONS = ["1.29.0", "1.37.0"]
# Custom resources of operators the chart can use; kubernetes-validate knows only the core API.
CUSTOM_KINDS = {
    ("monitoring.coreos.com/v1", "ServiceMonitor"): ["selector", "endpoints"],
    ("keda.sh/v1alpha1", "ScaledObject"): ["scaleTargetRef", "triggers"],
    ("keda.sh/v1alpha1", "TriggerAuthentication"): ["secretTargetRef"],
}
# The services that own data (a database with migrations, a broker user, a worker): the chart's components.
SERVICES_WITH_CODE = sorted(p.parent.name for p in (ROOT / "services").glob("*/migrations"))
# The web owns none: a Deployment of its own (web.yaml), on "/" of the host.
WEB = "ordning-web-server"

helm_python.disable_logging()


def example_values(path: Path) -> dict:
    return yaml.safe_load(path.read_text())


def render(values: dict) -> list[dict]:
    manifests = helm_python.Chart.load(CHART).render(values, name="ordning", namespace="ordning", is_install=True)
    return [doc for name, text in sorted(manifests.items()) if not name.endswith("NOTES.txt")
            for doc in yaml.safe_load_all(text) if doc]


@pytest.fixture(scope="module")
def rendered() -> dict[str, list[dict]]:
    return {path.stem: render(example_values(path)) for path in EXAMPLES}


def of_kind(docs, kind):
    return [doc for doc in docs if doc["kind"] == kind]


def named(docs, kind, name):
    found = [doc for doc in docs if doc["kind"] == kind and doc["metadata"]["name"] == name]
    assert len(found) == 1, f"{kind} {name}: {len(found)} found"
    return found[0]


def pod_specs(docs):
    """(workload, pod spec) of every Deployment and Job."""
    return [(doc, doc["spec"]["template"]["spec"]) for doc in docs if doc["kind"] in ("Deployment", "Job")]


def entry_points(service: str) -> dict:
    return tomllib.loads((ROOT / "services" / service / "pyproject.toml").read_text())["project"]["scripts"]


def test_there_are_example_values_for_two_municipalities_and_a_region():
    assert {path.stem for path in EXAMPLES} >= {"tyreso", "ockero", "region-vasternorrland"}
    region = example_values(ROOT / "deploy" / "helm" / "examples" / "region-vasternorrland.yaml")
    assert len(region["tenants"]) > 2


def test_the_chart_knows_every_service_that_exists():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    assert sorted(values["components"]) == SERVICES_WITH_CODE
    deployables = sorted(p.parent.name for p in (ROOT / "services").glob("*/pyproject.toml"))
    assert deployables == sorted(SERVICES_WITH_CODE + ["web"])  # the web is the one without data
    assert values["web"]["enabled"] is True


@pytest.mark.parametrize("example", EXAMPLES, ids=lambda p: p.stem)
def test_lint_finds_nothing_to_warn_about(example):
    report = helm_python.lint(CHART, example_values(example), strict=True, kube_version="v1.37.0")
    assert report["errors"] == []
    # Severity 1 is information ("icon is recommended"); 2 and up are warnings and errors.
    assert [m for m in report["messages"] if m["severity"] >= 2] == []


@pytest.mark.parametrize("version", KUBERNETES_VERSIONS)
def test_every_manifest_is_valid_for_kubernetes(rendered, version):
    checked = 0
    for example, docs in rendered.items():
        for doc in docs:
            required = CUSTOM_KINDS.get((doc["apiVersion"], doc["kind"]))
            if required is not None:
                assert set(required) <= set(doc["spec"]), (example, doc["kind"])
                continue
            try:
                kubernetes_validate.validate(doc, version, strict=True)
            except kubernetes_validate.ValidationError as error:
                pytest.fail(f"{example}: {doc['kind']} {doc['metadata']['name']}: {error.message} at {error.path}")
            checked += 1
    assert checked > 50


def _checkov(args: list[str]) -> list[dict]:
    checkov = os.environ.get("ORDNING_CHECKOV") or str(ROOT / ".venv-checkov" / "bin" / "checkov")
    if not Path(checkov).exists():
        message = f"checkov is not installed at {checkov}; `make install` puts it there"
        if IN_CI:
            pytest.fail(message)
        pytest.skip(message)
    result = subprocess.run([checkov, *args, "--output", "json", "--quiet", "--compact", "--skip-download"],
                            capture_output=True, text=True, timeout=600, env=dict(os.environ, LOG_LEVEL="ERROR"))
    assert result.stdout.strip(), result.stderr[-2000:]
    reports = json.loads(result.stdout)
    reports = reports if isinstance(reports, list) else [reports]
    assert all(report["summary"]["parsing_errors"] == 0 for report in reports)
    return [check for report in reports for check in report["results"]["failed_checks"]]


def test_checkov_finds_nothing_but_the_listed_exceptions(rendered, tmp_path):
    for example, docs in rendered.items():
        (tmp_path / f"{example}.yaml").write_text(yaml.safe_dump_all(docs))
    failed = _checkov(["--directory", str(tmp_path), "--framework", "kubernetes"])
    failed += _checkov(["--file", str(ROOT / "Dockerfile"), "--framework", "dockerfile"])
    unlisted = sorted({f"{c['check_id']} {c['check_name']} ({c['resource']})" for c in failed
                       if c["check_id"] not in SKIPS})
    assert unlisted == [], "fix these, or list them with a reason in deploy/helm/checkov-skips.yaml"
    # An exception that no longer fails is taken off the list, so the list stays true.
    assert set(SKIPS) == {c["check_id"] for c in failed}


def test_every_skipped_check_says_why():
    for check_id, reason in SKIPS.items():
        assert re.fullmatch(r"CKV2?_[A-Z0-9]+_\d+", check_id)
        assert isinstance(reason, str) and len(reason.split()) >= 8, check_id


def test_every_container_keeps_the_invariants(rendered):
    for example, docs in rendered.items():
        workloads = pod_specs(docs)
        assert workloads
        for workload, pod in workloads:
            where = f"{example}: {workload['kind']} {workload['metadata']['name']}"
            assert pod["securityContext"]["runAsNonRoot"] is True, where
            assert pod["securityContext"]["runAsUser"] >= 1000, where
            assert pod["automountServiceAccountToken"] is False, where
            assert pod["serviceAccountName"], where
            for container in pod["containers"]:
                context = container["securityContext"]
                assert context["runAsNonRoot"] is True, where
                assert context["readOnlyRootFilesystem"] is True, where
                assert context["allowPrivilegeEscalation"] is False, where
                assert context["capabilities"]["drop"] == ["ALL"], where
                resources = container["resources"]
                assert {"cpu", "memory"} <= set(resources["requests"]), where
                assert "memory" in resources["limits"], where
                # Credentials arrive as mounted files, never in the environment or the ConfigMap.
                assert all("valueFrom" not in env for env in container.get("env", [])), where
                mounts = {mount["mountPath"]: mount for mount in container["volumeMounts"]}
                if workload["metadata"]["name"] == WEB:  # owns no data: no database, no broker
                    assert set(mounts) == {"/tmp", "/var/run/secrets/ordning/oidc",
                                           "/var/run/secrets/ordning/session"}, where
                    assert all(mount.get("readOnly") for path, mount in mounts.items() if path != "/tmp"), where
                else:
                    assert mounts["/var/run/secrets/ordning/database"]["readOnly"] is True, where
                assert "/tmp" in mounts, where  # the only writable place
                if workload["kind"] == "Deployment":
                    assert container["livenessProbe"] and container["readinessProbe"], where


def test_each_role_runs_the_entry_point_make_run_uses(rendered):
    shared_entry_points = tomllib.loads((ROOT / "shared" / "pyproject.toml").read_text())["project"]["scripts"]
    api_port = importlib.import_module("ordning_shared.gunicorn_conf").bind.rpartition(":")[2]
    for docs in rendered.values():
        for service in SERVICES_WITH_CODE:
            api = named(docs, "Deployment", f"ordning-{service}-api")["spec"]["template"]["spec"]["containers"][0]
            assert api["command"][-1] == f"ordning_{service}.app:create_app()"
            assert api["command"][:3] == ["gunicorn", "--config", "python:ordning_shared.gunicorn_conf"]
            assert {p["containerPort"] for p in api["ports"]} == {int(api_port)}
            assert api["livenessProbe"]["httpGet"]["path"] == "/healthz"
            assert api["readinessProbe"]["httpGet"]["path"] == "/readyz"
            assert callable(getattr(importlib.import_module(f"ordning_{service}.app"), "create_app"))

            worker = named(docs, "Deployment", f"ordning-{service}-worker")["spec"]["template"]["spec"]["containers"][0]
            assert worker["command"] == [f"ordning-{service}-worker"]
            assert entry_points(service)[f"ordning-{service}-worker"] == f"ordning_{service}.app:worker"

            job = named(docs, "Job", f"ordning-{service}-migrations")
            assert job["spec"]["template"]["spec"]["containers"][0]["command"] == ["ordning-migrate", service]
            assert shared_entry_points["ordning-migrate"] == "ordning_shared.migrations:main"
            annotations = job["metadata"]["annotations"]
            assert annotations["helm.sh/hook"] == "pre-install,pre-upgrade"
            # Helm waits for the Job; a failed migration fails the upgrade and the old version keeps running.
            assert job["spec"]["template"]["spec"]["restartPolicy"] == "Never"


def test_the_migration_hook_has_what_it_needs_before_the_release_exists(rendered):
    for docs in rendered.values():
        hooks = {(doc["kind"], doc["metadata"]["name"]): doc for doc in docs
                 if "helm.sh/hook" in doc["metadata"].get("annotations", {})}
        for service in SERVICES_WITH_CODE:
            job = hooks[("Job", f"ordning-{service}-migrations")]
            pod = job["spec"]["template"]["spec"]
            account = hooks[("ServiceAccount", pod["serviceAccountName"])]
            policy = hooks[("NetworkPolicy", f"ordning-{service}-migrations")]
            weight = int(job["metadata"]["annotations"]["helm.sh/hook-weight"])
            for earlier in (account, policy):
                assert int(earlier["metadata"]["annotations"]["helm.sh/hook-weight"]) < weight
            # Its settings are inline: the ConfigMap is created only after the pre-install hooks.
            env = {item["name"]: item["value"] for item in pod["containers"][0]["env"]}
            settings = named(docs, "ConfigMap", f"ordning-{service}-settings")["data"]
            # ... and the owner's URL, which only the Job gets
            assert env == {**settings, f"ORDNING_{service.upper()}_MIGRATION_DATABASE_URL_FILE":
                           "/var/run/secrets/ordning/migrations-database/url"}
            assert "envFrom" not in pod["containers"][0]


def test_settings_configure_production_and_hold_no_credentials(rendered, tmp_path):
    (tmp_path / "database-url").write_text("postgresql://ordning:secret@pg.example:5432/ordning")
    (tmp_path / "broker-url").write_text("amqp://ordning:secret@mq.example:5672/ordning")
    for docs in rendered.values():
        for service in SERVICES_WITH_CODE:
            data = named(docs, "ConfigMap", f"ordning-{service}-settings")["data"]
            assert data["ORDNING_ENV"] == "production"
            assert data[f"ORDNING_{service.upper()}_DATABASE_URL_FILE"] == "/var/run/secrets/ordning/database/url"
            assert not any(re.search(r"://[^/@\s]+:[^/@\s]+@", value) for value in data.values())
            # Every variable the chart sets is one the services read: a misspelt name would be ignored.
            assert set(data) <= _known_variables()
            # And the services accept it: with the Secrets mounted, it is a valid production configuration.
            environ = dict(data)
            environ[f"ORDNING_{service.upper()}_DATABASE_URL_FILE"] = str(tmp_path / "database-url")
            environ["ORDNING_BROKER_URL_FILE"] = str(tmp_path / "broker-url")
            settings = Settings.from_env(service, environ)
            assert settings.env == "production" and not settings.local_issuer
            assert settings.trusted_issuers and all(t.jwks_url.startswith("https://") for t in settings.trusted_issuers)


def _secret_volumes(pod) -> dict[str, tuple[str, str]]:
    """Mount path -> (Secret, key) of every Secret a pod's container mounts."""
    volumes = {volume["name"]: volume["secret"] for volume in pod["volumes"] if "secret" in volume}
    return {mount["mountPath"]: (volumes[mount["name"]]["secretName"], volumes[mount["name"]]["items"][0]["key"])
            for mount in pod["containers"][0]["volumeMounts"] if mount["name"] in volumes}


def test_only_the_migration_job_gets_the_database_owners_secret(rendered, tmp_path):
    runtime, owner = "/var/run/secrets/ordning/database", "/var/run/secrets/ordning/migrations-database"
    for example, docs in rendered.items():
        for service in SERVICES_WITH_CODE:
            for role in ("api", "worker"):
                pod = named(docs, "Deployment", f"ordning-{service}-{role}")["spec"]["template"]["spec"]
                mounts = _secret_volumes(pod)
                assert mounts[runtime] == ("ordning-database", f"{service}-database-url"), (example, role)
                assert owner not in mounts and "ordning-database-owner" not in {s for s, _k in mounts.values()}
            job = named(docs, "Job", f"ordning-{service}-migrations")["spec"]["template"]["spec"]
            mounts = _secret_volumes(job)
            assert mounts[owner] == ("ordning-database-owner", f"{service}-migrations-database-url"), example
            # the runtime URL too: it names the role the migrations grant the service's privileges to
            assert mounts[runtime] == ("ordning-database", f"{service}-database-url"), example
    # what the Job's files say reaches the migrations as the owner's URL, and the service's as the runtime one
    job = named(rendered["tyreso"], "Job", "ordning-deviations-migrations")["spec"]["template"]["spec"]
    environ = {item["name"]: item["value"] for item in job["containers"][0]["env"]}
    for variable, url in (("ORDNING_DEVIATIONS_DATABASE_URL_FILE", "postgresql://runtime:pw@pg/deviations"),
                          ("ORDNING_DEVIATIONS_MIGRATION_DATABASE_URL_FILE", "postgresql://owner:pw@pg/deviations")):
        (tmp_path / variable).write_text(url)
        environ[variable] = str(tmp_path / variable)
    environ["ORDNING_BROKER_URL_FILE"] = str(tmp_path / "broker")
    (tmp_path / "broker").write_text("amqp://u:p@mq//")
    settings = Settings.from_env("deviations", environ)
    assert (settings.owner_database_url, settings.database_url) == (
        "postgresql://owner:pw@pg/deviations", "postgresql://runtime:pw@pg/deviations")
    # a component may name its own Secrets
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values.setdefault("components", {}).setdefault("deviations", {}).update(
        migrationsDatabaseSecret="deviations-owner", migrationsDatabaseUrlKey="url")
    job = named(render(values), "Job", "ordning-deviations-migrations")["spec"]["template"]["spec"]
    assert _secret_volumes(job)[owner] == ("deviations-owner", "url")


def _known_variables() -> set[str]:
    source = "".join(path.read_text() for path in (ROOT / "shared" / "ordning_shared").glob("*.py"))
    secrets = set(re.findall(r'_secret\(environ, "(ORDNING_[A-Z_]+)"\)', source))
    assert secrets, "config.py reads its secrets with _secret(environ, NAME), which also reads NAME_FILE"
    return set(re.findall(r'"(ORDNING_[A-Z_]+)"', source)) | {f"{name}_FILE" for name in secrets} | {
        f"ORDNING_{service.upper()}_{kind}DATABASE_URL_FILE" for service in SERVICES_WITH_CODE
        for kind in ("", "MIGRATION_")}


def test_every_deployment_has_a_budget_a_policy_and_a_scaler(rendered):
    for example, docs in rendered.items():
        budgets = {doc["metadata"]["name"]: doc for doc in of_kind(docs, "PodDisruptionBudget")}
        policies = [doc["spec"]["podSelector"]["matchLabels"] for doc in of_kind(docs, "NetworkPolicy")]
        scalers = {doc["spec"]["scaleTargetRef"]["name"]
                   for doc in of_kind(docs, "HorizontalPodAutoscaler") + of_kind(docs, "ScaledObject")}
        for deployment in of_kind(docs, "Deployment"):
            name = deployment["metadata"]["name"]
            labels = deployment["spec"]["template"]["metadata"]["labels"]
            assert budgets[name]["spec"]["selector"]["matchLabels"] == deployment["spec"]["selector"]["matchLabels"]
            assert any(selector.items() <= labels.items() for selector in policies), (example, name)
            # Either a scaler owns the replica count, or the Deployment states it.
            assert (name in scalers) != ("replicas" in deployment["spec"]), (example, name)
        for job in of_kind(docs, "Job"):
            labels = job["spec"]["template"]["metadata"]["labels"]
            assert any(selector.items() <= labels.items() for selector in policies), (example, job["metadata"])


def test_network_policies_allow_only_what_the_design_needs(rendered):
    docs = rendered["tyreso"]
    api = named(docs, "NetworkPolicy", "ordning-deviations-api")["spec"]
    worker = named(docs, "NetworkPolicy", "ordning-deviations-worker")["spec"]
    migrations = named(docs, "NetworkPolicy", "ordning-deviations-migrations")["spec"]
    for policy in (api, worker, migrations):
        assert policy["policyTypes"] == ["Ingress", "Egress"]

    def egress_ports(policy):
        return {port["port"] for rule in policy["egress"] for port in rule["ports"]}

    assert egress_ports(api) == {53, 5432, 5672, 443}  # DNS, PostgreSQL, RabbitMQ, the identity provider's keys
    assert egress_ports(worker) == {53, 5432, 5672}
    assert egress_ports(migrations) == {53, 5432}
    assert "ingress" not in migrations
    assert [port["port"] for rule in worker["ingress"] for port in rule["ports"]] == ["metrics"]
    # Tyresö's database is on a known network; only that network is reachable on 5432.
    database_rule = next(rule for rule in api["egress"] if rule["ports"][0]["port"] == 5432)
    assert database_rule["to"] == [{"ipBlock": {"cidr": "10.40.12.0/24"}}]


def test_the_notify_worker_may_post_webhooks_to_the_public_internet_on_443(rendered):
    """Webhooks leave the cluster from the notify worker only, over HTTPS, to public addresses (the service refuses
    private ones itself, again after DNS; the policy is the second lock). The API and other workers get no such way
    out, and the chart never lets webhooks reach private addresses (ORDNING_WEBHOOKS_ALLOW_PRIVATE stays unset, and
    production refuses it)."""
    from ordning_notify.webhooks import WebhookSettings

    for docs in rendered.values():
        worker = named(docs, "NetworkPolicy", "ordning-notify-worker")["spec"]
        webhooks = [rule for rule in worker["egress"] if rule["ports"] == [{"port": 443, "protocol": "TCP"}]]
        assert len(webhooks) == 1
        # and the SMTP port where the values name an SMTP server (tyreso's example)
        mail = {587} if named(docs, "ConfigMap", "ordning-notify-settings")["data"].get("ORDNING_SMTP_HOST") else set()
        assert {port["port"] for rule in worker["egress"] for port in rule["ports"]} == {53, 5432, 5672, 443} | mail
        blocks = {peer["ipBlock"]["cidr"]: set(peer["ipBlock"]["except"]) for peer in webhooks[0]["to"]}
        assert blocks.keys() == {"0.0.0.0/0", "::/0"}
        assert {"10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "127.0.0.0/8",
                "169.254.0.0/16"} <= blocks["0.0.0.0/0"]
        assert {"fc00::/7", "fe80::/10", "::1/128"} <= blocks["::/0"]
        for other in ("ordning-deviations-worker", "ordning-notify-api"):
            policy = named(docs, "NetworkPolicy", other)["spec"]
            assert not any(peer.get("ipBlock", {}).get("cidr") == "0.0.0.0/0"
                           for rule in policy["egress"] for peer in rule.get("to", [])), other
        data = named(docs, "ConfigMap", "ordning-notify-settings")["data"]
        assert "ORDNING_WEBHOOKS_ALLOW_PRIVATE" not in data
        assert WebhookSettings.from_env(data["ORDNING_ENV"], data).allow_private is False
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values.setdefault("components", {})["notify"] = {"extraEnv": {"ORDNING_WEBHOOKS_ALLOW_PRIVATE": "true"}}
    data = named(render(values), "ConfigMap", "ordning-notify-settings")["data"]
    with pytest.raises(ConfigError, match="ORDNING_WEBHOOKS_ALLOW_PRIVATE"):
        WebhookSettings.from_env(data["ORDNING_ENV"], data)


def test_workers_scale_on_their_queue_with_keda_and_on_cpu_without(rendered, tmp_path):
    region = rendered["region-vasternorrland"]
    scaled = named(region, "ScaledObject", "ordning-deviations-worker")
    trigger = next(t for t in scaled["spec"]["triggers"] if t["type"] == "rabbitmq")
    settings = make_settings("deviations", database_url="sqlite://", broker_url="amqp://x", bus_namespace="ordning",
                             data_dir=tmp_path)
    assert trigger["metadata"]["queueName"] == queue_name(settings)
    assert trigger["metadata"]["mode"] == "QueueLength"
    auth = named(region, "TriggerAuthentication", trigger["authenticationRef"]["name"])
    assert auth["spec"]["secretTargetRef"][0] == {"parameter": "host", "name": "ordning-rabbitmq",
                                                  "key": "deviations-broker-url"}
    # The processes worker consumes no events: nothing waits in a queue for it, so it scales on CPU.
    assert not [d for d in of_kind(region, "ScaledObject") if d["metadata"]["name"] == "ordning-processes-worker"]
    named(region, "HorizontalPodAutoscaler", "ordning-processes-worker")
    assert not of_kind(rendered["tyreso"], "ScaledObject")
    named(rendered["tyreso"], "HorizontalPodAutoscaler", "ordning-deviations-worker")


def test_consumes_events_matches_what_each_worker_consumes():
    values = yaml.safe_load((CHART / "values.yaml").read_text())
    for service in SERVICES_WITH_CODE:
        handlers = importlib.import_module(f"ordning_{service}.handlers").HANDLERS
        assert values["components"][service]["consumesEvents"] == bool(handlers), service


def test_a_component_can_turn_off_what_the_default_turns_on(rendered):
    # Öckerö turns autoscaling off in `default`, and sets more API replicas for deviations only.
    docs = rendered["ockero"]
    assert not of_kind(docs, "HorizontalPodAutoscaler")
    assert named(docs, "Deployment", "ordning-deviations-api")["spec"]["replicas"] == 3
    assert named(docs, "Deployment", "ordning-processes-api")["spec"]["replicas"] == 2
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values["components"] = {"processes": {"api": {"autoscaling": {"enabled": False}, "replicas": 1}}}
    docs = render(values)
    assert named(docs, "Deployment", "ordning-processes-api")["spec"]["replicas"] == 1
    assert "ordning-processes-api" not in {d["metadata"]["name"] for d in of_kind(docs, "HorizontalPodAutoscaler")}
    named(docs, "HorizontalPodAutoscaler", "ordning-deviations-api")


def test_a_service_can_be_switched_off():
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values["components"] = {"deviations": {"enabled": False}}
    docs = render(values)
    assert not [d for d in docs if "deviations" in d["metadata"]["name"]]
    named(docs, "Deployment", "ordning-processes-api")


def test_the_region_serves_every_tenant_from_one_installation(rendered):
    docs = rendered["region-vasternorrland"]
    codes = [t["code"] for t in example_values(ROOT / "deploy" / "helm" / "examples" / "region-vasternorrland.yaml")["tenants"]]
    # not one stack per municipality: an API and a worker per service, and the web
    assert len(of_kind(docs, "Deployment")) == 2 * len(SERVICES_WITH_CODE) + 1
    paths = {p["path"] for ingress in of_kind(docs, "Ingress") for rule in ingress["spec"]["rules"]
             for p in rule["http"]["paths"]}
    for code in codes:
        assert f"/api/v1/public/{code}/feedback" in paths
        assert f"/api/v1/public/{code}/org-units" in paths
    # A tenant the region does not host has no public door.
    assert not [p for p in paths if p.startswith("/api/v1/public/0138/")]


def _app_rules(service, tmp_path) -> list[str]:
    app_module = importlib.import_module(f"ordning_{service}.app")
    settings = make_settings(service, database_url=f"sqlite:///{tmp_path / service}.db", broker_url="filesystem://",
                             data_dir=tmp_path)
    return [rule.rule for rule in app_module.create_app(settings).url_map.iter_rules()
            if rule.rule.startswith("/api/")]


def test_the_ingress_sends_every_api_route_to_its_own_service(rendered, tmp_path):
    docs = rendered["tyreso"]
    routes = {}
    for ingress in of_kind(docs, "Ingress"):
        for rule in ingress["spec"]["rules"]:
            assert rule["host"] == "ordning.tyreso.se"
            for path in rule["http"]["paths"]:
                assert path["pathType"] == "Prefix"
                routes[path["path"]] = path["backend"]["service"]["name"]

    def backend_of(url):
        # Prefix matching is by whole path segments; the longest prefix wins.
        matches = [p for p in routes if url == p or url.startswith(p.rstrip("/") + "/")]
        return routes[max(matches, key=len)] if matches else None

    for service in SERVICES_WITH_CODE:
        rules = _app_rules(service, tmp_path)
        assert rules, service
        for rule in rules:
            url = re.sub(r"<(\w+:)?tenant>", "0138", rule)
            url = re.sub(r"<[^>]+>", "x", url)
            assert backend_of(url) == f"ordning-{service}-api", (service, rule)


def test_a_values_file_with_a_typo_is_refused_with_a_clear_message():
    chart = helm_python.Chart.load(CHART)
    good = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    chart.validate_schema(good)
    typo = copy.deepcopy(good)
    typo["ingres"] = typo.pop("ingress")
    with pytest.raises(helm_python.HelmValuesError, match="ingres"):
        chart.validate_schema(typo)
    with pytest.raises(helm_python.HelmValuesError, match="ingres"):
        render(typo)
    nested = copy.deepcopy(good)
    nested["components"] = {"deviations": {"api": {"replicaz": 3}}}
    with pytest.raises(helm_python.HelmValuesError, match="replicaz"):
        chart.validate_schema(nested)


@pytest.mark.parametrize("change, where", [
    ({"components": {"risk": {"enabled": True}}}, "risk"),
    ({"default": {"securityContext": {"readOnlyRootFilesystem": False}}}, "readOnlyRootFilesystem"),
    ({"default": {"podSecurityContext": {"runAsNonRoot": False}}}, "runAsNonRoot"),
    ({"tenants": [{"code": "Tyresö", "name": "Tyresö kommun"}]}, "code"),
    ({"image": {"tag": "latest"}}, "tag"),
    ({"auth": {"jwksUrl": "http://idp.example/keys"}}, "jwksUrl"),
    ({"default": {"extraEnv": {"DATABASE_PASSWORD": "x"}}}, "DATABASE_PASSWORD"),
])
def test_the_schema_refuses_what_would_break_an_invariant(change, where):
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    merged = helm_python.Chart.load(CHART).merge_values(values)
    _deep_update(merged, change)
    with pytest.raises(helm_python.HelmValuesError, match=where):
        helm_python.Chart.load(CHART).validate_schema(merged)


def _deep_update(target: dict, change: dict) -> None:
    for key, value in change.items():
        if isinstance(value, dict) and isinstance(target.get(key), dict):
            _deep_update(target[key], value)
        else:
            target[key] = value


def test_in_a_region_each_identity_provider_speaks_only_for_its_own_tenants(rendered, tmp_path):
    region = example_values(ROOT / "deploy" / "helm" / "examples" / "region-vasternorrland.yaml")
    data = named(rendered["region-vasternorrland"], "ConfigMap", "ordning-deviations-settings")["data"]
    trusted = json.loads(data["ORDNING_AUTH_TRUSTED_ISSUERS"])
    assert len(trusted) > 1
    served = [tenant for issuer in trusted for tenant in issuer["tenants"]]
    assert sorted(served) == sorted(t["code"] for t in region["tenants"])  # each tenant, one provider
    stray = copy.deepcopy(region)
    stray["auth"]["trustedIssuers"][0]["tenants"].append("0138")
    with pytest.raises(helm_python.HelmError, match="tenant 0138, which is not in tenants"):
        render(stray)
    both = copy.deepcopy(region)
    both["auth"]["jwksUrl"] = "https://idp.rvn.se/keys"
    with pytest.raises(helm_python.HelmError, match="not both"):
        render(both)


def test_each_service_connects_to_the_broker_as_its_own_user(rendered):
    def broker_volume(docs, name):
        pod = named(docs, "Deployment", name)["spec"]["template"]["spec"]
        return next(volume["secret"] for volume in pod["volumes"] if volume["name"] == "broker")

    for docs in rendered.values():
        for service in SERVICES_WITH_CODE:
            for role in ("api", "worker"):
                secret = broker_volume(docs, f"ordning-{service}-{role}")
                assert secret["secretName"] == "ordning-rabbitmq"
                assert secret["items"] == [{"key": f"{service}-broker-url", "path": "url"}]
    # A component may name a Secret and key of its own.
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values.setdefault("components", {})["deviations"] = {"brokerSecret": "mq-deviations", "brokerUrlKey": "url"}
    secret = broker_volume(render(values), "ordning-deviations-worker")
    assert (secret["secretName"], secret["items"][0]["key"]) == ("mq-deviations", "url")
    assert broker_volume(render(values), "ordning-processes-worker")["items"][0]["key"] == "processes-broker-url"


def test_worker_liveness_asks_for_progress_and_retries_wait(rendered, tmp_path):
    for docs in rendered.values():
        for service in SERVICES_WITH_CODE:
            worker = named(docs, "Deployment", f"ordning-{service}-worker")["spec"]["template"]["spec"]["containers"][0]
            assert worker["livenessProbe"]["httpGet"] == {"path": "/healthz", "port": "metrics"}
            data = named(docs, "ConfigMap", f"ordning-{service}-settings")["data"]
            environ = {name: value for name, value in data.items() if not name.endswith("_FILE")}
            environ.update(ORDNING_DATABASE_URL="postgresql://db/x", ORDNING_BROKER_URL="amqp://mq//")
            settings = Settings.from_env(service, environ)
            assert settings.worker_stall_seconds == 120
            assert sum(settings.retry_delays) > 300  # a short outage of a consumer's database dead-letters nothing


def test_missing_identity_provider_or_secrets_stop_the_install_with_a_clear_message():
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    for key, message in [("auth", "auth.jwksUrl"), ("database", "database.existingSecret"),
                         ("broker", "broker.existingSecret")]:
        broken = copy.deepcopy(values)
        broken.pop(key)
        with pytest.raises(helm_python.HelmError, match=re.escape(message)):
            render(broken)
    broken = copy.deepcopy(values)
    broken["database"].pop("migrationsSecret")
    with pytest.raises(helm_python.HelmError, match=re.escape("database.migrationsSecret")):
        render(broken)


def test_the_schema_is_itself_valid_and_describes_every_default():
    schema = json.loads((CHART / "values.schema.json").read_text())
    jsonschema.Draft202012Validator.check_schema(schema)
    defaults = yaml.safe_load((CHART / "values.yaml").read_text())
    jsonschema.Draft202012Validator(schema).validate(defaults)


def test_the_apis_trust_the_ingress_for_the_client_address_and_nothing_without_it(rendered):
    """Rate limits of the public endpoints count the client behind the ingress, never a forwarded header
    that a caller could send straight to the API."""
    for docs in rendered.values():
        data = named(docs, "ConfigMap", "ordning-deviations-settings")["data"]
        assert data["ORDNING_TRUSTED_PROXIES"] == "1"
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values["ingress"] = {**values.get("ingress", {}), "enabled": False}
    data = named(render(values), "ConfigMap", "ordning-deviations-settings")["data"]
    assert data["ORDNING_TRUSTED_PROXIES"] == "0"


def _web_pod(docs) -> dict:
    return named(docs, "Deployment", WEB)["spec"]["template"]["spec"]


def test_the_web_runs_its_app_with_probes_and_only_its_own_secrets(rendered, tmp_path):
    from ordning_web.config import WebSettings

    api_port = importlib.import_module("ordning_shared.gunicorn_conf").bind.rpartition(":")[2]
    for example, docs in rendered.items():
        pod = _web_pod(docs)
        web = pod["containers"][0]
        assert web["command"] == ["gunicorn", "--config", "python:ordning_shared.gunicorn_conf",
                                  "ordning_web.app:create_app()"]
        assert {p["containerPort"] for p in web["ports"]} == {int(api_port)}
        assert web["livenessProbe"]["httpGet"]["path"] == "/healthz"
        assert web["readinessProbe"]["httpGet"]["path"] == "/readyz"
        secrets = _secret_volumes(pod)
        assert secrets["/var/run/secrets/ordning/oidc"] == ("ordning-web", "web-oidc-client-secret"), example
        assert secrets["/var/run/secrets/ordning/session"][1] == "web-session-key", example
        names = {secret for secret, _key in secrets.values()}
        assert not names & {"ordning-database", "ordning-database-owner", "ordning-rabbitmq"}, example
        assert "envFrom" in web and "env" not in web

        # The ConfigMap is a valid production configuration of the web once its secrets are mounted,
        # and names each API by its Service inside the cluster.
        data = named(docs, "ConfigMap", "ordning-web-settings")["data"]
        assert not any(re.search(r"://[^/@\s]+:[^/@\s]+@", value) for value in data.values())
        (tmp_path / "client-secret").write_text("s3cret")
        (tmp_path / "key").write_text("k" * 64)
        environ = dict(data, ORDNING_WEB_OIDC_CLIENT_SECRET_FILE=str(tmp_path / "client-secret"),
                       ORDNING_WEB_SECRET_KEY_FILE=str(tmp_path / "key"))
        settings = WebSettings.from_env(environ)
        assert settings.production and settings.oidc and settings.oidc_client_secret == "s3cret"
        # The citizens' pages name each municipality as the chart's tenants do.
        given = example_values(CHART.parent / "examples" / f"{example}.yaml").get("tenants") or yaml.safe_load(
            (CHART / "values.yaml").read_text())["tenants"]
        values_tenants = {(tenant["code"], tenant["name"]) for tenant in given}
        assert set(settings.tenants) == values_tenants and values_tenants, example
        services = {doc["metadata"]["name"] for doc in of_kind(docs, "Service")}
        for service in SERVICES_WITH_CODE:
            url = getattr(settings, f"{service}_url")
            assert url == f"http://ordning-{service}-api.ordning.svc", (example, url)
            assert f"ordning-{service}-api" in services


def test_the_web_has_slash_and_the_apis_keep_their_paths(rendered):
    for example, docs in rendered.items():
        routes = {path["path"]: path["backend"]["service"]["name"] for ingress in of_kind(docs, "Ingress")
                  for rule in ingress["spec"]["rules"] for path in rule["http"]["paths"]}

        def backend_of(url):
            matches = [p for p in routes if url == p or url.startswith(p.rstrip("/") + "/")]
            return routes[max(matches, key=len)]

        assert routes["/"] == WEB
        for page in ("/", "/logga-in", "/logga-in/klar", "/rapportera", "/inkorg", "/arenden/x", "/static/ordning.css",
                     "/riskhanteringsplan", "/riskkarta", "/riskkarta/farger.css",
                     "/riskforslag/x", "/notiser", "/notiser/x", "/notiser/regler", "/notiser/regler/x/ta-bort",
                     "/static/notices.css"):
            assert backend_of(page) == WEB, (example, page)
        assert backend_of("/api/v1/deviations/x") == "ordning-deviations-api"
        assert backend_of("/api/v1/org-units") == "ordning-processes-api"
        for path in ("/api/v1/risk-analyses", "/api/v1/risk-analyses/x/risks/y", "/api/v1/risk-matrix",
                     "/api/v1/risk-matrix/versions/2", "/api/v1/risk-escalations/x/decision",
                     "/api/v1/risk-treatment-plan", "/api/v1/risk-heat-map",
                     "/api/v1/risk-proposals/x/decision",
                     "/api/v1/risk-actions"):
            assert backend_of(path) == "ordning-risks-api", (example, path)
        for path in ("/api/v1/figures", "/api/v1/patterns/flags", "/api/v1/volumes/x/varddygn/2026",
                     "/api/v1/region/figures", "/api/v1/region/consent", "/api/v1/suppression"):
            assert backend_of(path) == "ordning-reporting-api", (example, path)
        for path in ("/api/v1/notices", "/api/v1/notices/count", "/api/v1/notices/x/read", "/api/v1/notices/read-all",
                     "/api/v1/notification-rules", "/api/v1/notification-rules/x",
                     "/api/v1/notification-preferences"):
            assert backend_of(path) == "ordning-notify-api", (example, path)
        web = named(docs, "Ingress", WEB)
        api = named(docs, "Ingress", "ordning-deviations-api")
        assert web["spec"].get("tls") == api["spec"].get("tls")
        assert web["spec"]["rules"][0]["host"] == api["spec"]["rules"][0]["host"]


def test_the_web_reaches_the_apis_and_the_identity_provider_and_nothing_else(rendered):
    docs = rendered["tyreso"]
    web = named(docs, "NetworkPolicy", WEB)["spec"]
    assert {port["port"] for rule in web["egress"] for port in rule["ports"]} == {53, "http", 443}
    to_apis = next(rule for rule in web["egress"] if rule["ports"][0]["port"] == "http")
    assert to_apis["to"][0]["podSelector"]["matchLabels"]["app.kubernetes.io/component"] == "api"
    web_labels = named(docs, "Deployment", WEB)["spec"]["template"]["metadata"]["labels"]
    for service in SERVICES_WITH_CODE:
        api = named(docs, "NetworkPolicy", f"ordning-{service}-api")["spec"]
        peers = [peer["podSelector"]["matchLabels"] for rule in api["ingress"] for peer in rule["from"]
                 if "podSelector" in peer and "namespaceSelector" not in peer]
        assert any(selector.items() <= web_labels.items() for selector in peers), service
        assert api_labels_match(docs, service, to_apis["to"][0]["podSelector"]["matchLabels"])


def test_the_web_finds_the_notify_api_may_call_it_and_not_its_worker_and_goes_without_it(rendered, tmp_path):
    """Notiser and the menu's unread count call the notify API: the web's settings name its Service and the web's
    policy reaches its pods (not the worker's). Without notify the web starts without the URL, and without Notiser."""
    from ordning_web.config import WebSettings

    for example, docs in rendered.items():
        data = named(docs, "ConfigMap", "ordning-web-settings")["data"]
        assert data["ORDNING_WEB_NOTIFY_URL"] == "http://ordning-notify-api.ordning.svc", example
        to_apis = next(rule for rule in named(docs, "NetworkPolicy", WEB)["spec"]["egress"]
                       if rule["ports"][0]["port"] == "http")["to"][0]["podSelector"]["matchLabels"]
        assert api_labels_match(docs, "notify", to_apis), example
        worker = named(docs, "Deployment", "ordning-notify-worker")["spec"]["template"]["metadata"]["labels"]
        assert not to_apis.items() <= worker.items(), example
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values["components"] = {"notify": {"enabled": False}}
    data = named(render(values), "ConfigMap", "ordning-web-settings")["data"]
    assert "ORDNING_WEB_NOTIFY_URL" not in data
    (tmp_path / "key").write_text("k" * 64)
    (tmp_path / "client-secret").write_text("s3cret")
    settings = WebSettings.from_env(dict(data, ORDNING_WEB_SECRET_KEY_FILE=str(tmp_path / "key"),
                                         ORDNING_WEB_OIDC_CLIENT_SECRET_FILE=str(tmp_path / "client-secret")))
    assert settings.notify_url == "" and settings.deviations_url


def api_labels_match(docs, service, selector) -> bool:
    labels = named(docs, "Deployment", f"ordning-{service}-api")["spec"]["template"]["metadata"]["labels"]
    return selector.items() <= labels.items()


def test_the_web_can_be_switched_off_and_the_apis_then_take_no_calls_from_it():
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    values["web"] = {"enabled": False}
    docs = render(values)
    assert not [d for d in docs if "-web-" in d["metadata"]["name"]]
    api = named(docs, "NetworkPolicy", "ordning-deviations-api")["spec"]
    assert not [peer for rule in api["ingress"] for peer in rule["from"] if "namespaceSelector" not in peer]


def test_the_web_needs_its_client_and_its_secret_and_keeps_secrets_out_of_values():
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    for key, message in (("existingSecret", "web.oidc.existingSecret"), ("clientId", "web.oidc.clientId")):
        broken = copy.deepcopy(values)
        broken["web"]["oidc"].pop(key)
        with pytest.raises(helm_python.HelmError, match=re.escape(message)):
            render(broken)
    # A region names several providers: the web's must be named.
    region = example_values(ROOT / "deploy" / "helm" / "examples" / "region-vasternorrland.yaml")
    region["web"]["oidc"].pop("issuer")
    with pytest.raises(helm_python.HelmError, match=re.escape("web.oidc.issuer")):
        render(region)
    chart = helm_python.Chart.load(CHART)
    for change, where in (({"oidc": {"clientSecret": "hunter2"}}, "clientSecret"),
                          ({"oidc": {"issuer": "http://idp.example"}}, "issuer"),
                          ({"replicaz": 2}, "replicaz")):
        merged = chart.merge_values(values)
        _deep_update(merged["web"], change)
        with pytest.raises(helm_python.HelmValuesError, match=where):
            chart.validate_schema(merged)


SMTP_PASSWORD = "/var/run/secrets/ordning/smtp"


def _egress_ports(policy) -> set:
    return {port["port"] for rule in policy["spec"]["egress"] for port in rule["ports"]}


def test_the_notify_worker_alone_mails_with_the_smtp_password_and_a_way_to_the_smtp_port(rendered, tmp_path):
    docs = rendered["tyreso"]
    data = named(docs, "ConfigMap", "ordning-notify-settings")["data"]
    assert {name: data[name] for name in data if name.startswith(("ORDNING_SMTP_", "ORDNING_WEB_URL"))} == {
        "ORDNING_SMTP_HOST": "smtp.tyreso.se", "ORDNING_SMTP_PORT": "587", "ORDNING_SMTP_STARTTLS": "true",
        "ORDNING_SMTP_FROM": "Ordning <noreply@tyreso.se>", "ORDNING_SMTP_USERNAME": "ordning",
        "ORDNING_WEB_URL": "https://ordning.tyreso.se"}
    worker = named(docs, "Deployment", "ordning-notify-worker")["spec"]["template"]["spec"]
    assert _secret_volumes(worker)[SMTP_PASSWORD] == ("ordning-smtp", "smtp-password")
    environ = {item["name"]: item["value"] for item in worker["containers"][0]["env"]}
    assert environ == {"ORDNING_SMTP_PASSWORD_FILE": f"{SMTP_PASSWORD}/password"}
    # what the worker is given is a configuration the service accepts, the password read from its file
    for name, text in (("password", "hemligt"), ("database", "postgresql://n:pw@pg/notify"), ("broker", "amqp://mq//")):
        (tmp_path / name).write_text(text)
    settings = Settings.from_env("notify", {**data, "ORDNING_SMTP_PASSWORD_FILE": str(tmp_path / "password"),
                                            "ORDNING_NOTIFY_DATABASE_URL_FILE": str(tmp_path / "database"),
                                            "ORDNING_BROKER_URL_FILE": str(tmp_path / "broker")})
    assert (settings.smtp_host, settings.smtp_password, settings.smtp_starttls) == ("smtp.tyreso.se", "hemligt", True)
    # no other pod mounts the password or names its file
    for kind, name in (("Deployment", "ordning-notify-api"), ("Job", "ordning-notify-migrations"),
                       ("Deployment", "ordning-deviations-worker")):
        pod = named(docs, kind, name)["spec"]["template"]["spec"]
        assert SMTP_PASSWORD not in _secret_volumes(pod), name
        assert "ORDNING_SMTP_PASSWORD_FILE" not in {item["name"] for item in pod["containers"][0].get("env", [])}
    for service in SERVICES_WITH_CODE:
        if service != "notify":
            assert not [n for n in named(docs, "ConfigMap", f"ordning-{service}-settings")["data"]
                        if n.startswith("ORDNING_SMTP_")], service
    policy = named(docs, "NetworkPolicy", "ordning-notify-worker")
    assert _egress_ports(policy) == {53, 443, 5432, 5672, 587}  # 443: the webhooks
    smtp = next(rule for rule in policy["spec"]["egress"] if rule["ports"][0]["port"] == 587)
    assert smtp["to"] == [{"ipBlock": {"cidr": "10.40.20.25/32"}}]
    assert 587 not in _egress_ports(named(docs, "NetworkPolicy", "ordning-notify-api"))
    assert 587 not in _egress_ports(named(docs, "NetworkPolicy", "ordning-deviations-worker"))


def test_without_an_smtp_host_nothing_of_mail_is_rendered(rendered):
    docs = rendered["ockero"]
    data = named(docs, "ConfigMap", "ordning-notify-settings")["data"]
    assert not [name for name in data if name.startswith("ORDNING_SMTP_")]
    worker = named(docs, "Deployment", "ordning-notify-worker")["spec"]["template"]["spec"]
    assert SMTP_PASSWORD not in _secret_volumes(worker) and "env" not in worker["containers"][0]
    # the database, the broker, DNS and the webhooks' 443; no SMTP port
    assert _egress_ports(named(docs, "NetworkPolicy", "ordning-notify-worker")) == {53, 443, 5432, 5672}


def test_mail_settings_that_cannot_work_stop_the_install_with_a_clear_message():
    values = example_values(ROOT / "deploy" / "helm" / "examples" / "tyreso.yaml")
    for change, message in (({"from": ""}, "mail.from"), ({"existingSecret": ""}, "mail.existingSecret"),
                            ({"startTls": False}, "mail.startTls")):
        broken = copy.deepcopy(values)
        broken["mail"].update(change)
        with pytest.raises(helm_python.HelmError, match=re.escape(message)):
            render(broken)
    implicit_tls = copy.deepcopy(values)
    implicit_tls["mail"].update(startTls=False, smtpPort=465)
    docs = render(implicit_tls)
    assert 465 in _egress_ports(named(docs, "NetworkPolicy", "ordning-notify-worker"))
    anywhere = copy.deepcopy(values)  # no smtpTo: the SMTP port anywhere, and only it
    anywhere["networkPolicy"].pop("smtpTo")
    anywhere["mail"]["webUrl"] = "https://kvalitet.tyreso.se"
    docs = render(anywhere)
    smtp = next(rule for rule in named(docs, "NetworkPolicy", "ordning-notify-worker")["spec"]["egress"]
                if rule["ports"][0]["port"] == 587)
    assert "to" not in smtp
    assert named(docs, "ConfigMap", "ordning-notify-settings")["data"]["ORDNING_WEB_URL"] == "https://kvalitet.tyreso.se"
    chart = helm_python.Chart.load(CHART)
    for change, where in (({"smtpHost": "smtp.tyreso.se; curl x"}, "smtpHost"), ({"smtpPort": 0}, "smtpPort"),
                          ({"password": "hunter2"}, "password"), ({"webUrl": "http://o.tyreso.se"}, "webUrl")):
        merged = chart.merge_values(values)
        _deep_update(merged["mail"], change)
        with pytest.raises(helm_python.HelmValuesError, match=where):
            chart.validate_schema(merged)
