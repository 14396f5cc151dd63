"""RabbitMQ users, one per service, each limited to its own queues (standard library only).

A service's user may declare, read and write its own queues (`<ns>.<service>`, its retry and
dead-letter queues), declare the shared exchanges, bind to them (read) and publish to them (write),
and write to `amq.default`, through which its retry queues dead-letter back to its work queue. It
cannot consume, purge or delete another service's queue, and (topic permissions) it may publish to
the events exchange only the types of the aggregates it owns: no service can publish another's events.

    python -m ordning_shared.brokerusers --namespace ordning processes deviations risks notify  # prints the commands
    python -m ordning_shared.brokerusers --apply processes deviations risks notify              # runs them

--apply runs rabbitmqctl with the CI passwords (CI, a developer's broker); in production, hand the
printed commands, with real passwords, to whoever runs RabbitMQ.

Another municipal system may take events from the bus itself instead of by webhook: a subscriber user of its own may
declare, bind and read only its own queue (`<ns>.subscriber.<name>`, and names under it), bind it to the events
exchange with binding keys of the aggregates it is given only (topic permissions), and publish nothing:

    python -m ordning_shared.brokerusers --namespace ordning --subscriber arendesystem --reads deviation,action
"""
from __future__ import annotations

import argparse
import os
import re
import shutil
import subprocess

ANY_NAMESPACE = "[A-Za-z0-9-]+"  # for test runs, whose namespaces are made up per test
# The one namespace of a CI broker whose events exchange has topic permissions (they name an exchange,
# not a pattern); the tests that prove them use it.
CI_NAMESPACE = "ordningci"
# The aggregates whose events each service publishes; its user may publish no other routing key.
# Reporting publishes its yearly reports' events (se.ordning.report.finished.v1). Notify publishes none: a notice
# is its own aggregate, should one ever be published.
PUBLISHES = {"processes": ("org_unit", "role"), "deviations": ("deviation", "action", "working_calendar"), "risks": ("risk", "action"),
             "reporting": ("report",), "notify": ("notice",)}


def user_name(service: str) -> str:
    return f"ordning-{service}"


def permissions(service: str, namespace: str = ANY_NAMESPACE) -> tuple[str, str, str]:
    """The (configure, write, read) regular expressions of a service's user."""
    ns = namespace if namespace == ANY_NAMESPACE else re.escape(namespace)
    own = rf"^{ns}\.{re.escape(service)}(\..*)?$"
    exchanges = rf"^{ns}\.(events|retry|dead-letter)$"
    return f"{own}|{exchanges}", rf"{own}|{exchanges}|^amq\.default$", f"{own}|{exchanges}"


def publishable(service: str) -> str:
    """The routing keys (event types) a service's user may publish to the events exchange."""
    if service not in PUBLISHES:
        raise KeyError(f"say in brokerusers.PUBLISHES which aggregates' events {service} publishes")
    return rf"^se\.ordning\.({'|'.join(PUBLISHES[service])})\."


def commands(service: str, password: str, namespace: str = ANY_NAMESPACE, vhost: str = "/") -> list[list[str]]:
    user = user_name(service)
    exchange = f"{CI_NAMESPACE if namespace == ANY_NAMESPACE else namespace}.events"
    return [["rabbitmqctl", "add_user", user, password],
            ["rabbitmqctl", "set_permissions", "-p", vhost, user, *permissions(service, namespace)],
            # Topic permissions: publish only its own event types; bind (read) to any.
            ["rabbitmqctl", "set_topic_permissions", "-p", vhost, user, exchange, publishable(service), ".*"]]


SUBSCRIBER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,39}$")


def subscriber_user_name(name: str) -> str:
    return f"ordning-subscriber-{name}"


def subscriber_queue(name: str, namespace: str) -> str:
    """The queue a subscriber declares and binds to `<namespace>.events`."""
    return f"{namespace}.subscriber.{name}"


def subscriber_permissions(name: str, namespace: str = ANY_NAMESPACE) -> tuple[str, str, str]:
    """The (configure, write, read) regular expressions of a subscriber's user: its own queue (and names under it,
    e.g. its dead-letter queue) to declare, bind (write) and consume; the events exchange to bind to (read) only."""
    if not SUBSCRIBER_NAME.match(name):
        raise ValueError("a subscriber's name is 1 to 40 of a-z, 0-9 and -")
    ns = namespace if namespace == ANY_NAMESPACE else re.escape(namespace)
    own = rf"^{ns}\.subscriber\.{re.escape(name)}(\..*)?$"
    return own, own, rf"{own}|^{ns}\.events$"


def bindable(aggregates) -> str:
    """The binding keys (topic read permission) a subscriber may bind with: its aggregates' types, e.g.
    se.ordning.deviation.# or se.ordning.deviation.reported.v1, never a key that sweeps in others (#)."""
    names = [a for a in aggregates if a]
    if not names or not all(re.fullmatch(r"[a-z_]+", a) for a in names):
        raise ValueError("name the aggregates a subscriber reads, e.g. deviation,action")
    return rf"^se\.ordning\.({'|'.join(names)})\."


def subscriber_commands(name: str, password: str, aggregates, namespace: str = ANY_NAMESPACE,
                        vhost: str = "/") -> list[list[str]]:
    user = subscriber_user_name(name)
    exchange = f"{CI_NAMESPACE if namespace == ANY_NAMESPACE else namespace}.events"
    return [["rabbitmqctl", "add_user", user, password],
            ["rabbitmqctl", "set_permissions", "-p", vhost, user, *subscriber_permissions(name, namespace)],
            # Topic permissions: publish nothing (it has no write on the exchange either); bind its aggregates only.
            ["rabbitmqctl", "set_topic_permissions", "-p", vhost, user, exchange, "^$", bindable(aggregates)]]


def can_apply() -> bool:
    return shutil.which("rabbitmqctl") is not None


def apply(service: str, password: str, namespace: str = ANY_NAMESPACE, vhost: str = "/") -> None:
    """Create the user (or keep it, with the given password) and set its permissions; idempotent."""
    run(commands(service, password, namespace, vhost))


def run(user_commands: list[list[str]]) -> None:
    """Run a user's commands (add_user, then its grants) with rabbitmqctl; an existing user gets the password."""
    add, *grants = user_commands
    result = subprocess.run(add, capture_output=True, text=True, timeout=60)
    if result.returncode != 0:
        if "already" not in (result.stdout + result.stderr):
            raise RuntimeError(f"rabbitmqctl add_user {add[2]} failed: {result.stderr.strip()}")
        subprocess.run(["rabbitmqctl", "change_password", add[2], add[3]], check=True, capture_output=True,
                       timeout=60)
    for grant in grants:
        subprocess.run(grant, check=True, capture_output=True, timeout=60)


def ci_password(service: str) -> str:
    """The password of a service's user on a CI or developer broker (never a production one)."""
    return os.environ.get(f"ORDNING_CI_{service.upper()}_BROKER_PASSWORD", f"ci-{service}")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("services", nargs="*")
    parser.add_argument("--namespace", default=ANY_NAMESPACE, help="ORDNING_BUS_NAMESPACE; default: any")
    parser.add_argument("--vhost", default="/")
    parser.add_argument("--apply", action="store_true", help="run rabbitmqctl instead of printing")
    parser.add_argument("--subscriber", help="another system's user, reading only its own queue")
    parser.add_argument("--reads", default="", help="the aggregates a subscriber may bind, e.g. deviation,action")
    arguments = parser.parse_args(argv)
    if not arguments.services and not arguments.subscriber:
        parser.error("name the services, or --subscriber")
    users = [(user_name(service), lambda password, service=service: commands(
        service, password, arguments.namespace, arguments.vhost), ci_password(service))
        for service in arguments.services]
    if arguments.subscriber:
        users.append((subscriber_user_name(arguments.subscriber), lambda password: subscriber_commands(
            arguments.subscriber, password, arguments.reads.split(","), arguments.namespace, arguments.vhost),
            ci_password(f"subscriber_{arguments.subscriber}")))
    for name, user_commands, password in users:
        if arguments.apply:
            run(user_commands(password))
            print(f"broker user {name} ready")
        else:
            for command in user_commands("<password>"):
                print(" ".join(f"'{part}'" if any(c in part for c in "|\\$^(*") else part for part in command))


if __name__ == "__main__":
    main()
