"""Hardening through Ansible: the mlps_baseline role run by ansible-runner (``govsec harden``)."""
