from pathlib import Path

import pytest

from secops.lab.sources import (
    SourcesError,
    base_mirror,
    debian_sources,
    default_source_files,
    read_sources,
)

DEB822 = """\
# a comment
Types: deb deb-src
URIs: http://deb.debian.org/debian
Suites: bookworm bookworm-updates
Components: main contrib
Signed-By: /usr/share/keyrings/debian-archive-keyring.gpg

Types: deb
URIs: https://security.example.org/debian-security
Suites: bookworm-security
Components: main

Types: deb
Enabled: no
URIs: http://disabled.example.org/debian
Suites: bookworm
Components: main

Types: deb-src
URIs: http://src.example.org/debian
Suites: bookworm
Components: main
"""


def test_deb822_entries_with_disabled_and_source_only_skipped(tmp_path: Path) -> None:
    path = tmp_path / "debian.sources"
    path.write_text(DEB822)
    found = read_sources([path])
    assert [s.uri for s in found] == [
        "http://deb.debian.org/debian",
        "https://security.example.org/debian-security",
    ]
    assert found[0].suites == ("bookworm", "bookworm-updates")
    assert found[0].signed_by == "/usr/share/keyrings/debian-archive-keyring.gpg"
    assert found[0].origin == f"{path}:2"
    assert found[1].host_path == "security.example.org/debian-security"


def test_one_line_format_with_options_and_comments(tmp_path: Path) -> None:
    path = tmp_path / "sources.list"
    path.write_text(
        "# comment\n"
        "deb [arch=amd64 signed-by=/k.gpg] http://mirrors.example.cn/debian/ bookworm main # x\n"
        "deb-src http://mirrors.example.cn/debian/ bookworm main\n"
        "\n"
        "deb http://vendor.example.com/apt stable main\n"
    )
    found = read_sources([path])
    assert len(found) == 2
    assert found[0].uri == "http://mirrors.example.cn/debian/"
    assert found[0].signed_by == "/k.gpg"
    assert found[0].components == ("main",)


def test_only_debian_suites_with_main_are_kept(tmp_path: Path) -> None:
    path = tmp_path / "sources.list"
    path.write_text(
        "deb http://a.example/debian bookworm main\n"
        "deb http://b.example/debian bookworm-security main\n"
        "deb http://vendor.example.com/apt stable main\n"
        "deb http://c.example/debian bookworm contrib\n"
    )
    kept = debian_sources(read_sources([path]), "bookworm")
    assert [s.uri for s in kept] == ["http://a.example/debian", "http://b.example/debian"]
    assert base_mirror(kept, "bookworm", [path]) == "http://a.example/debian"


def test_malformed_lines_name_file_and_line(tmp_path: Path) -> None:
    bad = tmp_path / "bad.list"
    bad.write_text("deb http://a.example/debian bookworm main\ndeb http://only-uri\n")
    with pytest.raises(SourcesError, match=rf"{bad}:2: expected: deb"):
        read_sources([bad])
    broken = tmp_path / "bad.sources"
    broken.write_text("Types: deb\nSuites: bookworm\n")
    with pytest.raises(SourcesError, match=rf"{broken}:1: missing field Uris"):
        read_sources([broken])
    garbled = tmp_path / "garbled.sources"
    garbled.write_text("Types: deb\nthis is not a field\n")
    with pytest.raises(SourcesError, match=rf"{garbled}:2: expected 'Field: value'"):
        read_sources([garbled])


def test_no_bookworm_source_names_the_files_read(tmp_path: Path) -> None:
    path = tmp_path / "sources.list"
    path.write_text("deb http://a.example/debian bullseye main\n")
    with pytest.raises(SourcesError, match="no Debian bookworm source") as caught:
        base_mirror(debian_sources(read_sources([path]), "bookworm"), "bookworm", [path])
    assert str(path) in caught.value.message


def test_apt_reads_list_and_sources_files_in_order(tmp_path: Path) -> None:
    parts = tmp_path / "etc" / "apt" / "sources.list.d"
    parts.mkdir(parents=True)
    (tmp_path / "etc" / "apt" / "sources.list").write_text("")
    for name in ("b.sources", "a.list", "c.list.disabled", "d.save"):
        (parts / name).write_text("")
    names = [p.name for p in default_source_files(tmp_path)]
    assert names == ["sources.list", "a.list", "b.sources"]
