"""``python -m ketaclinic`` is the ``ketaclinic`` command."""

import sys

from ketaclinic.cli import main

sys.exit(main())
