"""govcloud-secops: keep a government cloud at MLPS 2.0 (GB/T 22239-2019) level 2 or 3.

The ``govsec`` command line lives in :mod:`secops.cli`; each capability is a subpackage.
"""

# the one place the version is written; pyproject.toml reads it from here
__version__ = "0.1.0"
