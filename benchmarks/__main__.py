"""``python -m benchmarks``: run every scenario and print one table."""

from __future__ import annotations

import sys

from benchmarks.harness import main

if __name__ == "__main__":
    sys.exit(main())
