"""The broker users' rights as text: a subscriber (another system reading its own queue) gets only its own names and
the binding keys of the aggregates it was given; the CLI prints the commands for whoever runs RabbitMQ."""
import re

import pytest

from ordning_shared import brokerusers


def test_a_subscriber_may_configure_write_and_read_only_its_own_names_and_read_the_events_exchange():
    configure, write, read = brokerusers.subscriber_permissions("arendesystem", "ordning")
    for own in ("ordning.subscriber.arendesystem", "ordning.subscriber.arendesystem.dead-letter"):
        assert all(re.match(pattern, own) for pattern in (configure, write, read))
    for other in ("ordning.notify", "ordning.subscriber.arendesystem2", "ordning.subscriber.other", "ordning.events",
                  "ordning.retry", "amq.default", "other.subscriber.arendesystem"):
        assert not re.match(configure, other) and not re.match(write, other), other
    assert re.match(read, "ordning.events") and not re.match(read, "ordning.deviations")


def test_a_subscriber_binds_only_keys_of_its_aggregates():
    keys = brokerusers.bindable(["deviation", "action"])
    for allowed in ("se.ordning.deviation.#", "se.ordning.action.assigned.v1", "se.ordning.deviation.*.v1"):
        assert re.match(keys, allowed)
    for refused in ("#", "se.ordning.#", "se.ordning.*.reported.v1", "se.ordning.risk.risk_escalated.v1",
                    "se.ordning.deviations.x"):
        assert not re.match(keys, refused), refused


@pytest.mark.parametrize("name", ["", "Arende", "a b", "x" * 41, "a.b", "-a"])
def test_a_subscriber_is_named_plainly(name):
    with pytest.raises(ValueError):
        brokerusers.subscriber_permissions(name)


def test_a_subscriber_must_be_given_its_aggregates():
    for aggregates in ([], [""], ["deviation|risk"], [".*"]):
        with pytest.raises(ValueError):
            brokerusers.bindable(aggregates)


def test_the_cli_prints_a_subscribers_commands(capsys):
    brokerusers.main(["--namespace", "ordning", "--subscriber", "arendesystem", "--reads", "deviation"])
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "rabbitmqctl add_user ordning-subscriber-arendesystem <password>"
    assert printed[2].endswith("ordning.events '^$' '^se\\.ordning\\.(deviation)\\.'")
