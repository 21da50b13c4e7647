"""The ``govsec`` command line: :func:`secops.cli.app.main` and one module per group."""
