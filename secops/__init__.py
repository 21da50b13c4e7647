"""govcloud-secops: keep a government cloud at MLPS 2.0 (GB/T 22239-2019) level 2 or 3.

The ``govsec`` command line lives in :mod:`secops.cli`; each capability is a subpackage.
"""

from importlib.metadata import PackageNotFoundError, version

try:
    __version__ = version("govcloud-secops")
except PackageNotFoundError:  # running from a source tree that was never installed
    __version__ = "0+unknown"
