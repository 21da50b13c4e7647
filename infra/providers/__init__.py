"""Provider adapters (base.Provider protocol; AliCloud and OpenStack implementations)."""

from __future__ import annotations

from typing import Any

from infra.providers.base import Provider

PROVIDERS = ("alicloud", "openstack")


def make(name: str, *, region: str, availability_zones: list[str], **options: Any) -> Provider:
    """The adapter for ``name`` ("alicloud" | "openstack")."""
    if name == "alicloud":
        from infra.providers.alicloud import AliCloudProvider

        return AliCloudProvider(region=region, availability_zones=availability_zones, **options)
    if name == "openstack":
        from infra.providers.openstack import OpenStackProvider

        return OpenStackProvider(region=region, **options)
    raise ValueError(f"provider: expected one of {', '.join(PROVIDERS)}, got {name!r}")
