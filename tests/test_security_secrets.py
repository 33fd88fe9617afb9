"""What a directive holds stays out of every output: the password, the access key id and the signature.

The fake cluster's directives are shaped like QingCloud's DescribeJobs sample
(tests/fake_cluster.py): each decision path is driven through them, and all it
says, returns, raises or keeps is searched for the canaries and for any piece
of a directive (``helpers.assert_no_secret``).  The bridge's own runs against
the simulator are searched the same way, status files and replays included.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import pytest

from fake_cluster import CLUSTER, FakeClient, record
from helpers import (
    ACCESS_KEY,
    CANARY_PASSWORD,
    CANARY_SIGNATURE,
    SECRET_KEY,
    Sim,
    assert_no_secret,
    bridge_env,
    run_bridge,
)
from helpers import CLUSTER as SIM_CLUSTER
from qingcloud_mysqlplus.bridge.accounts import Context, Events, Failure, Outcome, add, delete
from qingcloud_mysqlplus.bridge.evidence import read_history
from qingcloud_mysqlplus.cdk import lookups
from qingcloud_mysqlplus.qingcloud.endpoint import Endpoint
from qingcloud_mysqlplus.qingcloud.errors import AnswerLost, QingCloudError
from qingcloud_mysqlplus.qingcloud.jobs import parse_job
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.qingcloud.settings import Settings
from qingcloud_mysqlplus.rules import check_account

SPEC = check_account("app_rw", "%", "*", "StandardAccount", False)
OTHER_PASSWORD = "Canary@Other-2718"


def said(client: FakeClient, run: Callable[[Context], Outcome]) -> list[str]:
    """Everything one decision says or returns or raises, as text (reprs too)."""
    lines: list[str] = []
    events = Events(on_notice=lines.append, on_status=lambda *words: lines.append(" ".join(words)))
    ctx = Context(client, CLUSTER, Deadline(600), events)  # type: ignore[arg-type]
    try:
        outcome = run(ctx)
        lines += [repr(outcome), outcome.note, repr(ctx.events)]  # (ctx.client is the fake, with its records)
    except (Failure, QingCloudError) as err:
        lines += [str(err), repr(err), repr(err.args)]
    return lines


def made(client: FakeClient, password: str = CANARY_PASSWORD, **params: str) -> None:
    client.add("add_user", {**SPEC.add_params(password), **params})


def adopted(client: FakeClient) -> list[str]:
    made(client)
    return said(client, lambda ctx: add(ctx, SPEC, CANARY_PASSWORD))


def exists_otherwise(client: FakeClient) -> list[str]:
    client.outcomes, _ = ["failed"], made(client, OTHER_PASSWORD, host="10.0.0.1")
    return said(client, lambda ctx: add(ctx, SPEC, CANARY_PASSWORD))


def replaced(client: FakeClient) -> list[str]:
    client.outcomes, _ = ["failed"], made(client, OTHER_PASSWORD)
    return said(client, lambda ctx: add(ctx, SPEC, CANARY_PASSWORD, replace_existing=True))


def unreadable(client: FakeClient) -> list[str]:
    client.outcomes = ["failed"]
    client.history.insert(0, record("add_user", SPEC.add_params(OTHER_PASSWORD), directive=False))
    return said(client, lambda ctx: add(ctx, SPEC, CANARY_PASSWORD))


def answer_lost(client: FakeClient) -> list[str]:
    def reached_but_unanswered(cluster: str, service: str, params: dict[str, str], *rest: object) -> str:
        client.add(service, params)  # the cluster made the job: the history shows it
        raise AnswerLost("the answer was lost")

    client.run_service = reached_but_unanswered  # type: ignore[method-assign, assignment]
    return said(client, lambda ctx: add(ctx, SPEC, CANARY_PASSWORD))


def delete_refused_while_there(client: FakeClient) -> list[str]:
    client.outcomes, _ = ["failed"], made(client)
    return said(client, lambda ctx: delete(ctx, SPEC))


def delete_refused_when_gone(client: FakeClient) -> list[str]:
    client.outcomes, _ = ["failed"], made(client)
    client.add("del_user", SPEC.del_params())
    return said(client, lambda ctx: delete(ctx, SPEC))


SCENARIOS = [adopted, exists_otherwise, replaced, unreadable, answer_lost, delete_refused_while_there,
             delete_refused_when_gone]  # fmt: skip


@pytest.mark.parametrize("scenario", SCENARIOS, ids=lambda f: f.__name__)
def test_no_decision_says_or_raises_a_piece_of_a_directive(scenario: Callable[[FakeClient], list[str]]) -> None:
    client = FakeClient()
    lines = scenario(client)
    assert len(lines) >= 2 and all(isinstance(line, str) for line in lines)
    assert_no_secret(*lines)
    assert OTHER_PASSWORD not in " ".join(lines)
    history = read_history(client, CLUSTER, SPEC.user, Deadline(5))  # type: ignore[arg-type]
    assert_no_secret(repr(history), history.why, *map(repr, history.running))


def test_a_parsed_job_keeps_only_the_request_of_its_directive() -> None:
    job = parse_job(record("add_user", SPEC.add_params(CANARY_PASSWORD)))
    assert job.request is not None and job.request.params["passwd"] == CANARY_PASSWORD  # compared in memory only
    kept = repr(vars(job)) + repr(vars(job.request))
    assert ACCESS_KEY not in kept and CANARY_SIGNATURE not in kept and "sender" not in kept
    assert_no_secret(repr(job))  # the request, and with it the password, is left out of the repr


def test_lookup_verdicts_hold_no_piece_of_a_directive() -> None:
    client = FakeClient()
    made(client)
    client.add("del_user", {"host": "%", "user": "gone"})
    verdicts = lookups.history(client, CLUSTER, {"app_rw", "gone"}, Deadline(5))  # type: ignore[arg-type]
    assert {u: v.present for u, v in verdicts.items()} == {"app_rw": True, "gone": False}
    assert_no_secret(repr(verdicts))


def test_settings_show_no_key() -> None:
    settings = Settings(ACCESS_KEY, SECRET_KEY, "sh1a", Endpoint.parse("https://api.qingcloud.com/iaas/"))
    assert_no_secret(repr(settings), str(settings))


def test_the_bridge_says_and_keeps_nothing_of_a_directive(sim: Sim, tmp_path: Path) -> None:
    """Add, adopt, a refused add (the history is read and compared), delete: every line and status file."""
    status = tmp_path / "status.json"
    env = bridge_env(sim, QINGCLOUD_MYSQLPLUS_PASSWORD=CANARY_PASSWORD, QINGCLOUD_MYSQLPLUS_STATUS_FILE=str(status))
    add_argv = ["add-user", "--cluster", SIM_CLUSTER, "--user", "app_rw"]
    texts: list[str] = []
    runs = [(add_argv, CANARY_PASSWORD, 0), (add_argv, CANARY_PASSWORD, 0), (add_argv, OTHER_PASSWORD, 1),
            (["del-user", *add_argv[1:]], CANARY_PASSWORD, 0)]  # fmt: skip
    for argv, password, code in runs:
        result = run_bridge(argv, {**env, "QINGCLOUD_MYSQLPLUS_PASSWORD": password})
        assert result.returncode == code, result.stderr
        replayed = run_bridge(["replay"], env)
        assert replayed.returncode == code and not status.exists()
        texts += [result.stdout, result.stderr, replayed.stderr]
    assert "adopted app_rw@%" in texts[4] and "not as declared" in texts[7]
    assert_no_secret(*texts)
    assert OTHER_PASSWORD not in json.dumps(texts)
