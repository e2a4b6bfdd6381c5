"""``python -m nr_core`` is the ``nr`` command."""
import sys

from .cli import main

sys.exit(main())
