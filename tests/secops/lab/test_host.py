from pathlib import Path

from secops.lab.host import sources_list
from secops.lab.sources import AptSource, read_sources


def test_sources_list_is_one_line_apt_reads_back_through_the_proxy(tmp_path: Path) -> None:
    machine = [
        AptSource(
            "https://deb.debian.org/debian/",
            ("bookworm", "bookworm-updates"),
            ("main",),
            "/usr/share/keyrings/debian-archive-keyring.gpg",
            "/etc/apt/sources.list.d/debian.sources:1",
        ),
        AptSource(
            "http://security.debian.org/debian-security",
            ("bookworm-security",),
            ("main",),
            None,
            "x:9",
        ),
    ]
    path = tmp_path / "sources.list"
    path.write_text(sources_list(machine))
    text = path.read_text()
    assert "deb http://security.debian.org/debian-security/ bookworm-security main\n" in text
    back = read_sources([path])
    assert [(s.uri, s.suites, s.signed_by) for s in back] == [
        ("http://deb.debian.org/debian/", ("bookworm",), machine[0].signed_by),
        ("http://deb.debian.org/debian/", ("bookworm-updates",), machine[0].signed_by),
        ("http://security.debian.org/debian-security/", ("bookworm-security",), None),
    ]


def test_a_signed_by_that_is_not_a_path_is_left_out() -> None:
    inline = AptSource("http://m/debian", ("bookworm",), ("main",), "-----BEGIN PGP\n...", "x:1")
    assert sources_list([inline]).splitlines()[1] == "deb http://m/debian/ bookworm main"
