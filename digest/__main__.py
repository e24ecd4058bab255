"""``python -m digest`` and the ``digest`` console script: ``digest.cli.main`` as a process."""

import contextlib
import os
import sys

from digest.cli import main


def run() -> None:
    """Run the command line and end the process with its exit code, without tearing down
    the interpreter: by then every file is written and closed and the cache committed, and
    freeing the site the command held (a hundred thousand objects and more for a large
    site) only adds to its time. An exception (a bug, a ``SystemExit`` of argparse)
    leaves as it would from ``main``."""
    code = main()
    for stream in (sys.stdout, sys.stderr):
        # A reader gone, a stream closed: nothing to flush to.
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    os._exit(code)


if __name__ == "__main__":
    run()
