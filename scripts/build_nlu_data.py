"""Regenerate data/nlu/bitext/*.yml from the Bitext CSV: `.venv/bin/python scripts/build_nlu_data.py`.

Same CSV in, byte-identical files out. Options: --csv PATH, --out DIR, --quiet.
"""

from __future__ import annotations

import sys
from pathlib import Path

# Run as a file, so the project root is not on sys.path yet.
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from nlu.training_data.build import main

if __name__ == "__main__":
    raise SystemExit(main())
