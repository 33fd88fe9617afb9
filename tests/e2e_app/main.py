"""The end-to-end tests' stack: accounts read from the JSON file named by E2E_SPEC.

Each account: {"id", "user", "cluster", "host", "database", "privilege",
"password_version"}; its password is the ephemeral variable pw_<user>.
"""

import json
import os

from cdktf import App, TerraformStack

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password

with open(os.environ["E2E_SPEC"], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)

app = App()
stack = TerraformStack(app, "e2e")
for item in spec["accounts"]:
    MysqlPlusAccount(
        stack,
        item["id"],
        cluster_id=item.get("cluster", spec["cluster"]),
        zone=spec["zone"],
        user=item["user"],
        password=ephemeral_password(stack, f"pw_{item['user']}"),
        host=item.get("host", "%"),
        database=item.get("database", "*"),
        privilege=item.get("privilege", "StandardAccount"),
        password_version=item.get("password_version", 1),
        timeout_seconds=item.get("timeout", 120),
    )
app.synth()
