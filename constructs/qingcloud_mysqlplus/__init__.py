"""QingCloud MySQL Plus accounts as CDK for Terraform constructs.

Importing the package is cheap: the constructs (which load cdktf and the jsii
runtime) are imported only when first used, so the bridge starts fast.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .rules import AccountRuleError, Privilege

__version__ = "0.1.0"
__all__ = ["AccountRuleError", "MysqlPlusAccount", "Privilege", "__version__", "ephemeral_password"]

if TYPE_CHECKING:
    from .cdk.account import MysqlPlusAccount, ephemeral_password


def __getattr__(name: str) -> Any:
    if name in ("MysqlPlusAccount", "ephemeral_password"):
        from .cdk import account

        return getattr(account, name)
    raise AttributeError(f"module 'qingcloud_mysqlplus' has no attribute {name!r}")
