"""`python -m ci_lib.cli`: the same as the `ci-assess` console script."""

import sys

from ci_lib.cli import main

sys.exit(main())
