"""``python -m secops``: the same as the ``govsec`` command."""

from secops.cli.app import main

main()
