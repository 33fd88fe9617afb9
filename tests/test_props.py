"""The props table (cdk/props.py) is the construct's signature and the docs page's argument table."""

from __future__ import annotations

import inspect

import pytest

from helpers import ROOT
from qingcloud_mysqlplus import MysqlPlusAccount
from qingcloud_mysqlplus.cdk.props import DOCS, PROP_NAMES, REPLACES, readme_table

pytestmark = pytest.mark.usefixtures("no_lookups")


def test_docs_table_is_the_props_table() -> None:
    page = (ROOT / "docs" / "construct.md").read_text()
    assert readme_table() in page
    signature = list(inspect.signature(MysqlPlusAccount.__init__).parameters)[3:]
    assert signature == list(PROP_NAMES) == list(DOCS)
    assert set(REPLACES) <= set(PROP_NAMES)
