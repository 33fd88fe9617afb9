"""The peer: what a hand-written script on the official SDK does, one job after another."""

from __future__ import annotations

import json
import sys
import tempfile
import urllib.parse

from helpers import Sim

from .canaries import SECRET, SECRETS
from .names import CLUSTER, KEY, ZONE
from .processes import Proc, base_env, run
from .steps import checked

# Key, secret and password come from the environment (never argv); it prints, per job, the
# monotonic instant the job was seen done, so the parent can read a loop of k < N jobs too.
SDK_SCRIPT = """
import json, os, sys, time
from qingcloud.iaas.connection import APIConnection
from qingcloud.misc.utils import wait_job
host, port, cluster, zone, service = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4], sys.argv[5]
conn = APIConnection(os.environ["BENCH_KEY"], os.environ["BENCH_SECRET"], zone, host=host, port=port, protocol="http")
marks = []
for user in sys.argv[6:]:
    if service == "add_user":
        params = {"database": "*", "passwd": os.environ["BENCH_PW"], "ssl": "NO", "host": "%", "user": user,
                  "priv": "StandardAccount"}
    else:
        params = {"user": user, "host": "%"}
    ret = conn.send_request("RunClusterCustomService", {"cluster": cluster, "role": "maininstance",
                            "service": service, "service_params": json.dumps(params)})
    if ret.get("ret_code") != 0:
        sys.exit("RunClusterCustomService: ret_code %s" % ret.get("ret_code"))
    if not wait_job(conn, ret["job_id"], timeout=600):
        sys.exit("wait_job timed out")
    marks.append(time.monotonic())
print(json.dumps({"marks": marks}))
"""


def sdk_loop(sim: Sim, service: str, users: list[str], timeout: float = 600) -> tuple[Proc, list[float]]:
    """The SDK script over ``users``; the process and, per job, seconds from its start to the job seen done."""
    env = base_env()
    env.update(BENCH_KEY=KEY, BENCH_SECRET=SECRET, BENCH_PW=SECRETS.new(), HOME=tempfile.gettempdir())
    where = urllib.parse.urlsplit(sim.url)
    argv = [sys.executable, "-c", SDK_SCRIPT, str(where.hostname), str(where.port), CLUSTER, ZONE, service, *users]
    proc = checked(f"SDK script {service} x{len(users)}", run(argv, env=env, timeout=timeout))
    marks = json.loads(proc.stdout.strip().splitlines()[-1])["marks"]
    return proc, [m - proc.started for m in marks]
