"""Prometheus exporters, alert rules and Alertmanager routing for govcloud-secops (see README.md)."""
