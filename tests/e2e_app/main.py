"""The end-to-end tests' stack: accounts read from the JSON file named by E2E_SPEC.

Each account: {"id", "user", "cluster", "host", "database", "privilege",
"password_version", "timeout", "endpoint", "from_variables"}; its password is
the ephemeral variable pw_<user>.  Props named in "from_variables" come from
a plain Terraform variable v_<id>_<prop> instead (set by TF_VAR_... at deploy
time), so their values are unknown at synth and checked by the bridge.
"""

import json
import os

from cdktf import App, TerraformStack, TerraformVariable

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password

with open(os.environ["E2E_SPEC"], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)

app = App()
stack = TerraformStack(app, "e2e")
for item in spec["accounts"]:
    props = {
        "cluster_id": item.get("cluster", spec["cluster"]),
        "zone": spec["zone"],
        "user": item["user"],
        "host": item.get("host", "%"),
        "database": item.get("database", "*"),
        "privilege": item.get("privilege", "StandardAccount"),
        "password_version": item.get("password_version", 1),
        "timeout_seconds": item.get("timeout", 120),
        "endpoint": item.get("endpoint"),
    }
    for name in item.get("from_variables", []):
        props[name] = TerraformVariable(stack, f"v_{item['id']}_{name}".replace("-", "_"), type="string").string_value
    MysqlPlusAccount(stack, item["id"], password=ephemeral_password(stack, f"pw_{item['user']}"), **props)
app.synth()
