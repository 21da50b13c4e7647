"""One evaluator per catalog check, in one module per family of ``secops/catalog/checks/``.

An evaluator is a pure function from a host's facts and the check's parameters to an
:class:`~secops.audit.checks.base.Outcome`. It is registered under its function name, which is
the check's id in ``secops/catalog/checks/<family>.yaml``, the name of its test cases
(``tests/files/checks/<id>.yaml``) and the Ansible tag of the task that remediates it; its
module is ``secops/audit/checks/<family>.py``, named like the catalog file. A check that only
differs from others in what it reads declares a ``kind`` (sysctl, server_absent) and its
``args`` in the catalog instead; :mod:`secops.audit.checks.kinds` registers it under its id. The
rules every evaluator follows are in :mod:`secops.audit.checks.base`.
"""

from __future__ import annotations

from secops.audit.checks import (  # noqa: F401 - imported to register their evaluators
    access,
    audit,
    identification,
    integrity,
    intrusion,
    kernel,
    malware,
    management,
    residual,
)
from secops.audit.checks.base import EVALUATORS, Evaluator, Outcome, Params, evaluator
from secops.audit.checks.kinds import register_declared
from secops.catalog.model import load_catalog

register_declared(load_catalog())

__all__ = ["EVALUATORS", "Evaluator", "Outcome", "Params", "evaluator"]
