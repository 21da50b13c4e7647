"""SIEM ingestion: raw log lines to ECS-shaped events.

``parse_line`` (in :mod:`secops.ingest.parse`) turns one line into one event and never
raises; ``AuditAssembler`` (in :mod:`secops.ingest.parsers.auditd`) groups auditd's
multi-line records into one event. Readers and stores build on these.
"""

from secops import native

native.activate(__name__, __path__)  # the compiled parsers, when built for these sources
