"""`python -m clusterbridge` is the `clusterbridge` command."""

import sys

from clusterbridge.cli import main

sys.exit(main())
