"""The account rules: every documented rule, and messages that never echo a password."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from qingcloud_mysqlplus.rules import (
    AccountRuleError,
    Privilege,
    check_account,
    check_database,
    check_del,
    check_password,
    check_user,
    host_entries,
    normalize_host,
    normalize_ssl,
)


@pytest.mark.parametrize("name", ["u1", "ab", "A" * 26, "orders_rw", "_x"])
def test_user_accepted(name: str) -> None:
    assert check_user(name) == name


@pytest.mark.parametrize(
    ("name", "expected"),
    [
        ("a", "2 to 26"),
        ("A" * 27, "2 to 26"),
        ("bad-name", "A-Z a-z 0-9 _"),
        ("名字ab", "A-Z a-z 0-9 _"),
        ("root", "reserved"),
        ("QC_ADMIN", "reserved"),
        ("qc_repl", "reserved"),
        ("qc_check", "reserved"),
        ("monitor", "reserved"),
    ],
)
def test_user_refused(name: str, expected: str) -> None:
    with pytest.raises(AccountRuleError) as info:
        check_user(name)
    assert info.value.field == "user"
    assert expected in str(info.value)
    assert repr(name)[:20] in str(info.value)  # says what it received


@pytest.mark.parametrize("password", ["Passwd@123", "aB3=" * 2, "Zz9^" + "x" * 28, "A1b_cdef"])
def test_password_accepted(password: str) -> None:
    assert check_password(password) == password


@pytest.mark.parametrize(
    ("password", "says"),
    [
        ("Pw@1", "4 characters"),
        ("Pw@1" * 9, "36 characters"),
        ("qzxvkj@1", "upper-case"),
        ("QZXVKJ@1", "lower-case"),
        ("QzxvKj@k", "digit"),
        ("QzxvKj12", "special"),
        ("Qzx vKj@1", "not allowed"),
        ("Qzxövkj@1", "not allowed"),
        ("Qzx!Kj@1", "not allowed"),
    ],
)
def test_password_refused_without_echo(password: str, says: str) -> None:
    with pytest.raises(AccountRuleError) as info:
        check_password(password)
    message = str(info.value)
    assert says in message
    # Neither the password nor any 4-character piece of it.
    pieces = {password[i : i + 4] for i in range(len(password) - 3)}
    assert not any(piece in message for piece in pieces if piece not in "@#$%^&*_+-=")


# "Qz" never occurs in a message, so a password ending in it is found there only if echoed
# (without it, "an upper" or "assw" would be found in the fixed explanation).
@given(st.text(max_size=38).map(lambda text: text + "Qz"))
def test_password_messages_never_contain_the_value(password: str) -> None:
    try:
        check_password(password)
    except AccountRuleError as err:
        if len(password) >= 4:
            assert password not in str(err)


@pytest.mark.parametrize(
    ("host", "normalized"),
    [
        ("%", "%"),
        ("10.0.0.5", "10.0.0.5"),
        ("10.0.0.5;192.168.1.0/24", "10.0.0.5;192.168.1.0/24"),
        (["10.0.0.5", "192.168.1.0/24"], "10.0.0.5;192.168.1.0/24"),
        (" 10.0.0.5 ; 10.0.0.6", "10.0.0.5;10.0.0.6"),
        (["%"], "%"),
    ],
)
def test_host_accepted(host: object, normalized: str) -> None:
    assert normalize_host(host) == normalized


@pytest.mark.parametrize(
    ("host", "says"),
    [
        ("", "no empty entry"),
        ("10.0.0.5;", "no empty entry"),
        ("%;10.0.0.5", "alone"),
        ("10.0.0.1/24", "10.0.0.0/24"),
        ("0.0.0.0/0", "/0"),
        ("example.com", "IPv4"),
        ("::1", "IPv4"),
        ("10.0.0.256", "IPv4"),
        ("10.0.0.5;10.0.0.5", "each entry once"),
        (42, "int"),
    ],
)
def test_host_refused(host: object, says: str) -> None:
    with pytest.raises(AccountRuleError) as info:
        normalize_host(host)
    assert info.value.field == "host"
    assert says in str(info.value)


def test_host_entries_are_what_mariadb_accepts() -> None:
    assert host_entries("10.0.0.5;192.168.1.0/24;1.2.3.4/32") == ["10.0.0.5", "192.168.1.0/255.255.255.0", "1.2.3.4"]


@pytest.mark.parametrize("db", ["*", "orders", "app_1", "a$b", "x-y"])
def test_database_accepted(db: str) -> None:
    assert check_database(db) == db


@pytest.mark.parametrize("db", ["", "a,b", "a;b", "db name", "x" * 65, "`x`", "a.b"])
def test_database_refused(db: str) -> None:
    with pytest.raises(AccountRuleError, match="database"):
        check_database(db)


def test_superuser_needs_all_databases() -> None:
    assert check_account("admin", "%", "*", Privilege.SUPERUSER).privilege is Privilege.SUPERUSER
    with pytest.raises(AccountRuleError, match="SuperuserAccount"):
        check_account("admin", "%", "orders", "SuperuserAccount")


@pytest.mark.parametrize(("value", "out"), [(True, "YES"), (False, "NO"), ("yes", "YES"), ("NO", "NO")])
def test_ssl(value: object, out: str) -> None:
    assert normalize_ssl(value) == out


@pytest.mark.parametrize("value", ["maybe", 1, None])
def test_ssl_refused(value: object) -> None:
    with pytest.raises(AccountRuleError, match="ssl"):
        normalize_ssl(value)


def test_privilege_refused_names_both_choices() -> None:
    with pytest.raises(AccountRuleError, match="StandardAccount or SuperuserAccount"):
        check_account("u1", "%", "*", "ReadOnly")


def test_add_params_match_the_documented_example() -> None:
    spec = check_account("u1", "%", "*", "StandardAccount", False)
    assert spec.add_params("Passwd@123") == {
        "database": "*", "passwd": "Passwd@123", "ssl": "NO", "host": "%", "user": "u1", "priv": "StandardAccount",
    }  # fmt: skip
    assert check_del("u1").del_params() == {"host": "%", "user": "u1"}
