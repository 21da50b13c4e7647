from secops.lab import caps


def test_kept_set_lacks_every_capability_that_reaches_the_machine() -> None:
    forbidden = set(caps.MUST_LACK) | {
        "sys_admin",
        "mknod",
        "dac_read_search",
        "audit_read",
        "syslog",
        "sys_ptrace",
        "bpf",
        "perfmon",
        "sys_resource",
        "net_broadcast",
        "mac_admin",
    }
    assert not forbidden & set(caps.KEPT)


def test_setpriv_spec_starts_from_nothing() -> None:
    spec = caps.setpriv_bounding_spec()
    assert spec.startswith("-all,")
    assert set(spec.removeprefix("-all,").replace("+", "").split(",")) == set(caps.KEPT)


def test_decode_reads_proc_status_masks() -> None:
    assert caps.decode(0x1) == {"chown"}
    assert caps.decode((1 << 16) | (1 << 25)) == {"sys_module", "sys_time"}
    mask = sum(1 << caps.CAP_NUMBERS[name] for name in caps.KEPT)
    assert caps.decode(mask) == set(caps.KEPT)


def test_every_kept_name_is_a_real_capability() -> None:
    assert set(caps.KEPT) <= set(caps.CAP_NUMBERS)
    assert caps.last_cap() >= max(caps.CAP_NUMBERS[name] for name in caps.KEPT)
