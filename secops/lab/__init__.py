"""The lab: a disposable fleet of real Linux hosts on this machine (``govsec lab``).

Each host is a Debian bookworm root file system (a cached base plus an overlayfs layer) with
its own PID, mount, UTS, IPC and network namespaces, a veth on the lab bridge, sshd with its
own ed25519 key and an admin account reached by key. See docs/lab.md.
"""

from secops.lab.fleet import Lab, LabState, LabStatus
from secops.lab.proc import LabError

__all__ = ["Lab", "LabError", "LabState", "LabStatus"]
