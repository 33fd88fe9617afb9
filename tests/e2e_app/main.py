"""The end-to-end tests' stack: accounts read from the JSON file named by E2E_SPEC.

Spec: {"cluster", "zone", "framework": "cdktf"|"cdktn", "backend": "local"|"pg",
"accounts": [...]}.  The framework is imported before qingcloud_mysqlplus, as
a user's app does, so the library binds to the one the app uses.  With
"backend": "pg" the state is in PostgreSQL (PgBackend; connection string from
PG_CONN_STR, as in a CI job).

Each account: {"id", "user", "cluster", "host", "database", "privilege",
"password_version", "timeout", "endpoint", "from_variables",
"keep_on_destroy", "replace_existing", "restart_proxies", "rotation"}; its
password is the ephemeral variable pw_<user>.  The last four reach the
construct only when present, so older constructs without them keep working;
with "rotation", the output active_<id> is the construct's active_user.  Props named in
"from_variables" come from a plain Terraform variable v_<id>_<prop> instead
(set by TF_VAR_... at deploy time), so their values are unknown at synth and
checked by the bridge.
"""

import importlib
import json
import os

with open(os.environ["E2E_SPEC"], encoding="utf-8") as spec_file:
    spec = json.load(spec_file)

framework = importlib.import_module(spec.get("framework", "cdktf"))  # cdktf or cdktn, before the library

from qingcloud_mysqlplus import MysqlPlusAccount, ephemeral_password  # noqa: E402

OPTIONAL_PROPS = ("keep_on_destroy", "replace_existing", "restart_proxies", "rotation")

app = framework.App()
stack = framework.TerraformStack(app, "e2e")
if spec.get("backend", "local") == "pg":
    framework.PgBackend(stack, conn_str=os.environ["PG_CONN_STR"])
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
    props.update({name: item[name] for name in OPTIONAL_PROPS if name in item})
    for name in item.get("from_variables", []):
        variable_id = f"v_{item['id']}_{name}".replace("-", "_")
        props[name] = framework.TerraformVariable(stack, variable_id, type="string").string_value
    made = MysqlPlusAccount(stack, item["id"], password=ephemeral_password(stack, f"pw_{item['user']}"), **props)
    if "rotation" in item:
        framework.TerraformOutput(stack, f"active_{item['id']}".replace("-", "_"), value=made.active_user)
app.synth()
