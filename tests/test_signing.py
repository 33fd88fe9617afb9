"""Signing, step by step, against QingCloud's official test vectors."""

from __future__ import annotations

import pytest

from qingcloud_mysqlplus.qingcloud.signing import (
    canonical_query,
    encode,
    flatten,
    sign,
    signature,
    string_to_sign,
    verify,
)

VECTOR_PARAMS = {
    "action": "RunInstances",
    "count": 1,
    "vxnets": ["vxnet-0"],
    "instance_type": "small_b",
    "instance_name": "demo",
    "image_id": "centos64x86a",
    "login_mode": "passwd",
    "login_passwd": "QingCloud20130712",
    "signature_version": 1,
    "version": 1,
    "time_stamp": "2013-08-27T14:30:10Z",
}


@pytest.mark.parametrize(
    ("zone", "expected"),
    [
        ("pek3a", "byjccvWIvAftaq%2BoublemagH3bYAlDWxxLFAzAsyslw%3D"),
        ("pek1", "32bseYy39DOlatuewpeuW5vpmW51sD1A%2FJdGynqSpP8%3D"),
    ],
)
def test_official_vectors(zone: str, expected: str) -> None:
    signed = sign({**VECTOR_PARAMS, "zone": zone}, access_key="QYACCESSKEYIDEXAMPLE", secret_key="SECRETACCESSKEY")
    assert encode(signed["signature"]) == expected
    assert verify(signed, "SECRETACCESSKEY", verb="GET", path="/iaas/")
    assert not verify(signed, "OTHERSECRET", verb="GET", path="/iaas/")
    assert not verify(signed, "SECRETACCESSKEY", verb="POST", path="/iaas/")


def test_steps() -> None:
    assert flatten({"jobs": ["a", "b"], "x": None, "n": 3}) == {"jobs.1": "a", "jobs.2": "b", "n": "3"}
    assert canonical_query({"b": "2", "a": "x y", "A": "~-_."}) == "A=~-_.&a=x%20y&b=2"
    assert encode('{"a":"*"}') == "%7B%22a%22%3A%22%2A%22%7D"
    assert string_to_sign("get", "/iaas/", "a=1") == "GET\n/iaas/\na=1"
    assert signature("k", "t", "HmacSHA1") != signature("k", "t", "HmacSHA256")
    with pytest.raises(ValueError, match="HmacSHA1"):
        signature("k", "t", "MD5")


def test_non_ascii_is_utf8_encoded() -> None:
    assert canonical_query({"name": "数据"}) == "name=%E6%95%B0%E6%8D%AE"
