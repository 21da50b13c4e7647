"""Finding English a zh report should not contain, and Chinese an en report should not.

A report shows host data (paths, settings, values, account names) as it was found: that is
not language. Everything else in a zh report is Chinese, apart from names that are not words of
a language (commands, protocols, products, units). :func:`english_runs` finds the rest: runs
of plain Latin words (letters only, not inside a path, key, version or option) that are neither
host data nor on :data:`NAMES`.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from html.parser import HTMLParser

# names, not words of a language: commands and daemons, protocols and standards, products,
# units, and the acronyms an MLPS assessor reads in Chinese text as they are
_NAMES = """
    SSH sshd OpenSSH PAM sudo su GB T MLPS TCP UDP RELP IPv4 IPv6 IP UID GID GRUB AIDE SELinux
    AppArmor LSM MAC OTP TOTP RFC HMAC SHA DSA SM2 SM3 SM4 DES NTP SIEM ILM ClamAV RPM Debian
    Linux GNU Kerberos systemd cron fail2ban nftables nft auditd auditctl audispd rsyslog
    syslog logrotate chronyd chronyc timedatectl systemctl sysctl ss apt debsums cracklib
    libcrack2 libxcrypt pwquality faillock umask strftime sulogin KiB MiB X11 ps id
    stat root shell securityfs GTFOBins Elasticsearch govsec shadow-utils cracklib-check
    ntpd ntpsec openntpd timesyncd systemd-timesyn
"""
NAMES = frozenset(_NAMES.lower().split())
# settings a check asks for by their values (the values are the software's, not English)
_SETTINGS = """
    preauth authfail prohibit-password rotate keep_logs gssapi-with-mic publickey Normal true false
"""
SETTINGS = frozenset(_SETTINGS.lower().split())
# commands named as where a value came from: their arguments are not words either
COMMANDS = ("nft -j list ruleset", "chronyc tracking", "timedatectl show", "find -xdev")
# a whitespace-separated token made of letters only, possibly inside brackets or quotes
_OPEN = "\\s(\"'\u201c\u2018\\[\uff08\u3010"
_CLOSE = "\\s)\"'\u201d\u2019\\],.;:!?\uff09\u3011\uff0c\u3002\uff1b\uff1a\u3001"
_PLAIN = re.compile(f"^[{_OPEN}]*([A-Za-z]+(?:['\u2019-][A-Za-z]+)*)[{_CLOSE}]*$")
_CJK = re.compile(r"[\u3400-\u9fff\uf900-\ufaff]")
# a token: a run of anything but spaces and Chinese (text or punctuation), or one Chinese
# character, which ends a run of Latin words
_TOKENS = re.compile(
    r"[^\s\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]+"
    r"|[\u3000-\u303f\u3400-\u9fff\uf900-\ufaff\uff00-\uffef]"
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'-]*")


class _Text(HTMLParser):
    """The text of an HTML document's body, one item per text node (style and script left out)."""

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.nodes: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("style", "script", "head", "title"):
            self._skip += 1

    def handle_endtag(self, tag: str) -> None:
        if tag in ("style", "script", "head", "title") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip and data.strip():
            self.nodes.append(data.strip())


def text_nodes(html: str) -> list[str]:
    """The visible text of ``html``, one string per text node."""
    parser = _Text()
    parser.feed(html)
    return parser.nodes


def words_of(texts: Iterable[str]) -> set[str]:
    """Every Latin word in ``texts``, lower-cased: what host data may show."""
    found: set[str] = set()
    for text in texts:
        found.update(w.lower().strip("'-") for w in _WORD.findall(text))
    return found


def english_runs(text: str, host_words: set[str]) -> list[str]:
    """Runs of consecutive plain Latin words in ``text`` with a word that is no host data or name.

    A token that holds a path, key, number, option or address (``/etc/x``, ``a_b``, ``-T``,
    ``1.2``) is data and breaks a run; so does any Chinese character.
    """
    runs: list[str] = []
    current: list[str] = []
    foreign = False

    def close() -> None:
        nonlocal current, foreign
        if current and foreign:
            runs.append(" ".join(current))
        current, foreign = [], False

    for command in COMMANDS:
        text = text.replace(command, " ")
    for token in _TOKENS.findall(text):
        match = _PLAIN.match(token)
        if match is None:
            close()
            continue
        word = match.group(1)
        current.append(word)
        if (
            not (word.isupper() and len(word) > 1)
            and word.lower() not in host_words | NAMES | SETTINGS
        ):
            foreign = True  # an upper-case word is an acronym or a setting's name
        if token.rstrip()[-1:] in ".;:!?。；：":
            close()
    close()
    return runs


def english_lines(nodes: Iterable[str], host_words: set[str]) -> list[tuple[str, list[str]]]:
    """The text nodes that hold English, with the runs found in each."""
    found = []
    for node in nodes:
        runs = english_runs(node, host_words)
        if runs:
            found.append((node, runs))
    return found


def cjk_nodes(nodes: Iterable[str]) -> list[str]:
    """The text nodes holding a Chinese character."""
    return [node for node in nodes if _CJK.search(node)]
