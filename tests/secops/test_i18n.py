import pytest

from secops import i18n


def test_locale_picks_chinese_for_any_zh_locale() -> None:
    assert i18n.detect_lang({"LANG": "zh_CN.UTF-8"}) == "zh"
    assert i18n.detect_lang({"LANG": "en_US.UTF-8"}) == "en"
    assert i18n.detect_lang({}) == "en"


def test_lc_all_wins_over_lang() -> None:
    assert i18n.detect_lang({"LC_ALL": "en_GB.UTF-8", "LANG": "zh_CN.UTF-8"}) == "en"
    assert i18n.detect_lang({"LC_MESSAGES": "zh_TW", "LANG": "C"}) == "zh"


def test_unknown_language_names_the_choices() -> None:
    with pytest.raises(ValueError, match="en, zh"):
        i18n.parse_lang("fr")


def test_message_in_current_language_with_fields() -> None:
    try:
        i18n.set_lang("zh")
        assert i18n.t("lab.starting", n=3) == "正在启动 3 台实验主机"
        i18n.set_lang("en")
        assert i18n.t("lab.starting", n=3) == "starting 3 lab hosts"
    finally:
        i18n.set_lang("en")


def test_missing_translation_falls_back_to_english(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setitem(i18n.MESSAGES, "test.only", {"en": "only {x}"})
    monkeypatch.setattr(i18n, "_current", "zh")
    assert i18n.t("test.only", x=1) == "only 1"


def test_every_message_has_both_languages_with_the_same_fields() -> None:
    import string

    for key, texts in i18n.MESSAGES.items():
        assert set(texts) == {"en", "zh"}, key
        fields = [
            {name for _, name, _, _ in string.Formatter().parse(text) if name}
            for text in texts.values()
        ]
        assert fields[0] == fields[1], key


def test_chinese_texts_use_full_width_punctuation_beside_chinese() -> None:
    # "起始时间:15m" or "文件(或目录)" reads as a half-translated string; a URL, a path or a
    # value like 127.0.0.1:5514 keeps its ASCII, so only punctuation touching a Chinese
    # character (outside a URL) is looked at
    import importlib
    import re

    from secops.report.labels import LABELS

    # every module that adds its texts to the catalog when imported: the whole catalog,
    # whatever other tests happened to import first
    for module in (
        "secops.audit.messages", "secops.config", "secops.cli.app", "secops.cli.assess",
        "secops.cli.siem", "secops.cli.inventory", "secops.cli.infra", "secops.cli.toolkit_text",
        "secops.cli.detect", "secops.cli.serve", "secops.cli.alerts", "monitors.webhook",
        "monitors.server",
    ):  # fmt: skip
        importlib.import_module(module)

    chinese = r"[\u3400-\u9fff]"
    half_width = re.compile(rf"{chinese}[:;,?!()]|[(]{chinese}|[:;,?!] ?{chinese}")
    url = re.compile(r"\S*://\S*")
    found = [
        f"{key}: {texts['zh']}"
        for table in (i18n.MESSAGES, LABELS)
        for key, texts in table.items()
        if half_width.search(url.sub("", texts.get("zh", "")))
    ]
    assert not found, "\n".join(found)
