"""``python -m flowsim.cli``: the flowsim command."""

from flowsim.cli import main

main()
