"""`python -m lessongrader.sealed …`: the trusted runner's command line (see runner.py)."""

import sys

from .runner import main

sys.exit(main())
