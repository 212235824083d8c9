"""The flowsim console script: Ctrl-C while flowsim loads exits 130 without a traceback.

The ``flowsim`` command imports the whole package before its own error handling
(``flowsim.cli``) exists; this launcher catches an interrupt during that import.
"""

import sys


def main() -> None:
    """Import the command line, then run it."""
    try:
        from flowsim.cli import main as flowsim_main
    except KeyboardInterrupt:
        sys.stderr.write("flowsim: interrupted\n")
        raise SystemExit(130) from None
    flowsim_main()
