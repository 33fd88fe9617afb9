"""QingCloud MySQL Plus accounts as constructs for CDK for Terraform (cdktf) or CDK Terrain (cdktn).

Importing the package is cheap: the constructs (which load the framework and
the jsii runtime) are imported only when first used, so the bridge, which
imports this package, starts fast and never loads a framework.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from .rules import AccountRuleError, Privilege, Rotation

__version__ = "0.5.0"  # as pyproject.toml
__all__ = [
    "AccountRuleError",
    "MysqlPlusAccount",
    "MysqlPlusAccountError",
    "Privilege",
    "Rotation",
    "__version__",
    "ephemeral_password",
]
CONSTRUCTS = ("MysqlPlusAccount", "MysqlPlusAccountError", "ephemeral_password")

if TYPE_CHECKING:
    from .cdk.account import MysqlPlusAccount, MysqlPlusAccountError, ephemeral_password


def __getattr__(name: str) -> Any:
    if name in CONSTRUCTS:  # binds the framework (cdk.framework) on first use
        from .cdk import account

        return getattr(account, name)
    raise AttributeError(f"module 'qingcloud_mysqlplus' has no attribute {name!r}")
