#!/usr/bin/env python
"""An example stack: three accounts on one MySQL Plus cluster.

The cluster and zone come from the environment (QINGCLOUD_MYSQLPLUS_CLUSTER,
QINGCLOUD_ZONE) or from cdktf.json's context (clusterId, zone).  Passwords
are ephemeral Terraform variables: set TF_VAR_app_rw_password,
TF_VAR_reporting_password and TF_VAR_admin_password when you deploy; they
never reach cdk.tf.json, the state or a plan.

The framework is imported before the library, which binds to it (CDK for
Terraform here; CDK Terrain by changing that one import).
"""

import os

from cdktf import App, TerraformOutput, TerraformStack
from constructs import Construct

from qingcloud_mysqlplus import MysqlPlusAccount, Privilege, ephemeral_password


class DatabaseAccounts(TerraformStack):
    def __init__(self, scope: Construct, id: str) -> None:
        super().__init__(scope, id)
        cluster_id = os.environ.get("QINGCLOUD_MYSQLPLUS_CLUSTER") or self.node.try_get_context("clusterId")
        zone = os.environ.get("QINGCLOUD_ZONE") or self.node.try_get_context("zone")

        app_rw = MysqlPlusAccount(
            self, "app-rw",
            cluster_id=cluster_id, zone=zone,
            user="app_rw", password=ephemeral_password(self, "app_rw_password"),
            database="app",
        )  # fmt: skip
        MysqlPlusAccount(
            self, "reporting",
            cluster_id=cluster_id, zone=zone,
            user="reporting", password=ephemeral_password(self, "reporting_password"),
            host=["127.0.0.1", "10.0.0.0/8"], database="app",
        )  # fmt: skip
        MysqlPlusAccount(
            self, "admin",
            cluster_id=cluster_id, zone=zone,
            user="dba_admin", password=ephemeral_password(self, "admin_password"),
            privilege=Privilege.SUPERUSER,
        )  # fmt: skip
        TerraformOutput(self, "app_rw_user", value=app_rw.user)


app = App()
DatabaseAccounts(app, "mysqlplus-accounts")
app.synth()
