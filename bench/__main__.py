"""``python -m bench``: the whole benchmark (``make bench``); ``--help`` for its options."""

import sys

from bench.cli import main

sys.exit(main())
