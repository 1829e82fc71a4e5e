"""``python -m ember``: the same command line as the ``ember`` console script."""
import sys

from ember.cli import main

if __name__ == "__main__":
    sys.exit(main())
