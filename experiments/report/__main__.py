"""``python -m experiments.report RUN_DIR --lang zh``: rebuild a comparison's report."""

import sys

from experiments.studies.comparison.report import main

sys.exit(main())
