"""`python -m outcomes metrics/results/collect/simulate`: see outcomes/cli.py and docs/outcomes.md."""

from __future__ import annotations

import sys

from outcomes.cli import main

if __name__ == "__main__":
    sys.exit(main())
