"""``python -m perfnb``: the same as the ``perfnb`` command."""

import sys

from .cli import main

sys.exit(main())
