"""`python -m outcomes metrics --from 2026-01-01 --to 2026-04-01`: the study's five metrics for a period."""

from __future__ import annotations

import sys

from outcomes.cli import main

if __name__ == "__main__":
    sys.exit(main())
