"""``python -m importcraft``: the importcraft command."""

import sys

from .cli._main import main

sys.exit(main())
