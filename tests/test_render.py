"""The inventory as text, on accounts the simulator does not make: declarations that cannot be exact say
why, and no record's text (a user name made elsewhere, say) can break out of a comment or into a terminal."""

from __future__ import annotations

from typing import Any

import pytest

from qingcloud_mysqlplus.bridge.doctor import FAIL, Check
from qingcloud_mysqlplus.bridge.inventory import Account, Inventory, Uncertain
from qingcloud_mysqlplus.bridge.render import ADD_PARAMS, check_line, python, table
from qingcloud_mysqlplus.qingcloud.history import Depth

CLUSTER = "cl-render01"


def account(**changes: Any) -> Account:
    fields: dict[str, Any] = {"user": "app_rw", "host": "%", "database": "*", "priv": "StandardAccount",
                              "ssl": "NO", "job_id": "j-abc", "created": "2026-12-01T10:00:06Z", "channel": "api",
                              "params": ADD_PARAMS, "password_kept": True}  # fmt: skip
    return Account(**{**fields, **changes})


def listing(*accounts: Account, uncertain: tuple[Uncertain, ...] = ()) -> Inventory:
    return Inventory(CLUSTER, accounts, uncertain, Depth(records=3, pages=1, complete=True, oldest="T"))


def run(code: str) -> list[dict[str, Any]]:
    """The pasted code run with stand-ins; what each MysqlPlusAccount was given."""
    made: list[dict[str, Any]] = []
    names = {"MysqlPlusAccount": lambda scope, id, **props: made.append(props),
             "ephemeral_password": lambda scope, id: id, "Privilege": type("P", (), {"STANDARD": "S"}), "self": 0}  # fmt: skip
    exec(compile(code.replace("from qingcloud_mysqlplus import", "# "), "<pasted>", "exec"), names)  # noqa: S102
    return made


@pytest.mark.parametrize(("changes", "says", "declared"), [
    ({"params": (*ADD_PARAMS, "extra")}, "its add_user carried the parameters database, extra, host", True),
    ({"password_kept": False}, "its job record hides the password (masked)", True),
    ({"ssl": "yes"}, "its database, priv or ssl is spelt otherwise than the construct sends them", True),
    ({"user": "a-b"}, "the construct refuses what it was made with (user: received 'a-b'", False),
    ({"priv": "SuperuserAccount", "database": "orders"}, "the construct refuses what it was made with (database", False),
])  # fmt: skip
def test_a_declaration_that_cannot_be_exact_says_why(changes: dict[str, Any], says: str, declared: bool) -> None:
    code = python(listing(account(**changes)), "sh1a")
    assert f"# Not adoptable as declared: {says}" in code
    assert len(run(code)) == int(declared)  # one it would refuse is written commented out


def test_an_exact_one_is_declared_with_its_own_password_variable() -> None:
    code = python(listing(account(), account(user="other", host="10.0.0.5;10.0.1.0/24", ssl="YES")), "sh1a")
    assert "Not adoptable" not in code
    made = run(code)
    assert [(m["user"], m["password"], m["host"], m["ssl"]) for m in made] == [
        ("app_rw", "pw_app_rw", "%", False), ("other", "pw_other", "10.0.0.5;10.0.1.0/24", True)]  # fmt: skip


def test_uncertain_users_are_comments_only() -> None:
    code = python(listing(uncertain=(Uncertain("maybe", "add_user job j-x is still working"),)), "sh1a")
    assert "# maybe: not declared, uncertain (add_user job j-x is still working); check it in the console" in code
    assert run(code) == []


HOSTILE = "evil\nimport os; os.system('x')\r\x1b[2J"


def test_no_record_text_breaks_out_of_a_comment_or_into_a_terminal() -> None:
    evil = account(user=HOSTILE, job_id=HOSTILE, created=HOSTILE, channel=HOSTILE, host=HOSTILE, params=(HOSTILE,))
    inv = listing(evil, uncertain=(Uncertain(HOSTILE, HOSTILE),))
    code = python(inv, "sh1a")
    assert not [line for line in code.splitlines() if line.startswith("import")]
    assert run(code) == []  # refused by the rules: commented out, and nothing else runs
    text = table(inv)
    assert "\x1b" not in text + code and "\r" not in text + code
    assert len(text.splitlines()) == 2 + 3  # header, one row, three notes
    assert "\n" not in check_line(Check("status", FAIL, HOSTILE, HOSTILE))
