"""The one fold of a user's history, host entry by host entry, and its three readers: the bridge
(``read_history``), the construct's synth-time verdict, and the inventory.

Where QingCloud takes a second host for a user (the simulator's ``second_host=accept``), a host change
adds the new host first and deletes the old one after: the old host's del_user is then the newest job
of the user, and the account is at the new host all the same."""

from __future__ import annotations

from fake_cluster import CLUSTER, FakeClient
from qingcloud_mysqlplus.bridge.evidence import read_history
from qingcloud_mysqlplus.bridge.inventory import from_facts
from qingcloud_mysqlplus.bridge.render import python
from qingcloud_mysqlplus.cdk.verdicts import Wanted, drift, verdict
from qingcloud_mysqlplus.qingcloud.history import read
from qingcloud_mysqlplus.qingcloud.retry import Deadline
from qingcloud_mysqlplus.rules import AccountSpec

PASSWORD = "Canary@Hosts-2718"
SPEC = AccountSpec(user="app_rw", host="%", database="app")


def add_at(client: FakeClient, host: str) -> str:
    return str(client.add("add_user", {**SPEC.add_params(PASSWORD), "host": host})["job_id"])


def del_at(client: FakeClient, host: str) -> str:
    return str(client.add("del_user", {"user": "app_rw", "host": host})["job_id"])


def host_changed() -> tuple[FakeClient, str]:
    """A no-gap host change 10.0.0.1 -> %: the new host added first, the old one deleted after."""
    client = FakeClient()
    add_at(client, "10.0.0.1")
    new = add_at(client, "%")
    del_at(client, "10.0.0.1")
    return client, new


def wanted(host: str = "%") -> Wanted:
    declared = {"host": host, "database": "app", "priv": SPEC.privilege.value, "ssl": "NO"}
    return Wanted("k", "sh1a", CLUSTER, "app_rw", None, declared)


def test_a_user_at_two_hosts_is_there_at_both() -> None:
    client = FakeClient()
    first, second = add_at(client, "10.0.0.1"), add_at(client, "%")
    found = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    assert [(j.job_id, h) for j, h in found.live] == [(second, ("%",)), (first, ("10.0.0.1",))]
    assert found.deleted == () and found.at("%") is True and found.at("10.0.0.1") is True
    assert len(from_facts(read(client, CLUSTER, Deadline(60))).accounts) == 2


def test_after_a_no_gap_host_change_the_account_is_at_the_new_host() -> None:
    client, new = host_changed()
    found = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    assert found.newest_done is not None and found.newest_done.request is not None
    assert found.newest_done.request.service == "del_user"
    assert [(j.job_id, h) for j, h in found.live] == [(new, ("%",))] and found.deleted == ("10.0.0.1",)
    history = read_history(client, CLUSTER, "app_rw", Deadline(60), host="%")
    assert history.present_at("%") is True and history.present_at("10.0.0.1") is False
    assert history.made("%") is not None and history.others("%") == ()


def test_the_construct_sees_the_account_present_with_no_drift_after_a_host_change() -> None:
    client, new = host_changed()
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"], hosts={"app_rw": "%"})
    for host in ("%", None):  # the declared host a literal, or a token
        seen = verdict(facts.of("app_rw"), host)
        assert seen.present is True and seen.job_id == new, seen.words
        assert drift(wanted(), seen) == ""


def test_the_inventory_lists_the_account_at_the_new_host() -> None:
    client, new = host_changed()
    listed = from_facts(read(client, CLUSTER, Deadline(60)))
    assert [(a.user, a.host, a.job_id) for a in listed.accounts] == [("app_rw", "%", new)]
    assert listed.uncertain == ()


def test_deleting_one_of_two_hosts_leaves_the_other() -> None:
    client = FakeClient()
    first = add_at(client, "10.0.0.1")
    add_at(client, "%")
    del_at(client, "%")
    found = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    assert [(j.job_id, h) for j, h in found.live] == [(first, ("10.0.0.1",))] and found.deleted == ("%",)
    assert verdict(found, "10.0.0.1").present is True
    gone = verdict(found, "%")  # declared at %: the account there is the one at 10.0.0.1, another host
    assert gone.present is True and "another host" in drift(wanted(), gone)


def test_a_del_user_naming_several_hosts_deletes_each_of_them() -> None:
    client = FakeClient()
    made = add_at(client, "10.0.0.1;10.0.0.2;10.0.0.3")
    del_at(client, "10.0.0.1;10.0.0.2")
    found = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    assert [(j.job_id, h) for j, h in found.live] == [(made, ("10.0.0.3",))]
    assert set(found.deleted) == {"10.0.0.1", "10.0.0.2"}
    assert found.at("10.0.0.1;10.0.0.2;10.0.0.3") is False and found.at("10.0.0.3") is True
    assert [a.host for a in from_facts(read(client, CLUSTER, Deadline(60))).accounts] == ["10.0.0.3"]
    seen = verdict(found, "10.0.0.1;10.0.0.2;10.0.0.3")  # partly deleted: made again, not left so
    assert "another host" in drift(wanted("10.0.0.1;10.0.0.2;10.0.0.3"), seen)
    del_at(client, "10.0.0.3")
    found = read(client, CLUSTER, Deadline(60), ["app_rw"]).of("app_rw")
    assert found.live == () and verdict(found, "10.0.0.3").present is False


def test_the_read_goes_past_a_del_user_to_the_add_user_of_the_new_host() -> None:
    client = FakeClient()
    add_at(client, "10.0.0.1")
    new = add_at(client, "%")
    for n in range(150):  # a page and a half of other users' jobs between the add and the del
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"other{n}"})
    del_at(client, "10.0.0.1")
    for hosts in ({"app_rw": "%"}, None):
        facts = read(client, CLUSTER, Deadline(60), ["app_rw"], hosts=hosts)
        assert facts.depth.pages == 2 and verdict(facts.of("app_rw"), "%").job_id == new


def test_an_incomplete_read_proves_nothing_about_what_lies_below_it() -> None:
    client = FakeClient()
    add_at(client, "%")
    for n in range(250):
        client.add("add_user", {**SPEC.add_params(PASSWORD), "user": f"other{n}"})
    facts = read(client, CLUSTER, Deadline(60), ["app_rw"], max_pages=2)
    assert not facts.depth.complete and facts.depth.stopped == "page cap"
    found = facts.of("app_rw")
    assert found.live == () and found.at("%") is None and verdict(found, "%").present is None
    assert read_history(client, CLUSTER, "app_rw", Deadline(60), max_pages=2, host="%").present_at("%") is None
    listed = from_facts(read(client, CLUSTER, Deadline(60), max_pages=2))
    assert "app_rw" not in [a.user for a in listed.accounts] and not listed.history_complete


def test_python_declares_a_user_at_two_hosts_once_and_names_the_other_host() -> None:
    client = FakeClient()
    add_at(client, "10.0.0.1")
    newest = add_at(client, "%")
    code = python(from_facts(read(client, CLUSTER, Deadline(60))), "sh1a")
    assert code.count("MysqlPlusAccount(") == 1 and code.count('user="app_rw"') == 1, code
    assert f"made by add_user job {newest}" in code and 'host="%"' in code
    assert "# app_rw is also at host 10.0.0.1" in code and "del-user --zone sh1a" in code
    assert "--user app_rw --host 10.0.0.1" in code and PASSWORD not in code


def test_an_add_user_whose_host_cannot_be_read_still_made_the_account() -> None:
    client = FakeClient()
    made = str(client.add("add_user", {k: v for k, v in SPEC.add_params(PASSWORD).items() if k != "host"})["job_id"])
    facts = read(client, CLUSTER, Deadline(60))
    assert facts.of("app_rw").live == () and verdict(facts.of("app_rw"), "%").present is True
    assert [(a.user, a.job_id) for a in from_facts(facts).accounts] == [("app_rw", made)]
