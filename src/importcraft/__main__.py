"""``python -m importcraft``: the importcraft command."""

import sys

from ._cli import main

sys.exit(main())
