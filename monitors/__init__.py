"""Prometheus exporters, alert rules and Alertmanager routing (see README.md)."""
