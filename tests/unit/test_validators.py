"""Unit tests for handlers.forms.validators (字数, dates, times, numbers)."""

from __future__ import annotations

import dataclasses
from datetime import date, time

import pytest

from handlers.forms.validators import (
    CharCount,
    InvalidInput,
    check_length,
    count_chars,
    parse_date,
    parse_int,
    parse_time,
)

# 2026-12-03 is a Thursday; its ISO week runs from Monday 11-30 to Sunday 12-06.
TODAY = date(2026, 12, 3)

REFERENCE_TEXT = (
    "“双减”背景下，我读了《给教师的建议》（苏霍姆林斯基著）第3章，共 12 页。"
    "Reading is fun, isn't it? COVID-19 期间 3.14 🙂"
)


# --------------------------------------------------------------------------- count_chars


def test_reference_text_counts() -> None:
    count = count_chars(REFERENCE_TEXT)
    assert count == CharCount(han=27, punct=9, words=9)
    assert count.total == 45
    assert count.without_punct == 36


@pytest.mark.parametrize(
    ("text", "han", "punct", "words"),
    [
        ("", 0, 0, 0),
        ("  \n\t\u3000 ", 0, 0, 0),
        ("你好", 2, 0, 0),
        ("你好，世界！", 4, 2, 0),
        ("Hello world", 0, 0, 2),
        ("Hello, world!", 0, 0, 2),
        ("!?,.;:()[]{}<>\"'", 0, 0, 0),
        ("Hello世界", 2, 0, 1),
        ("第3章", 2, 0, 1),
        ("abc123", 0, 0, 1),
        # Internal ' ’ . - keep a word together; leading/trailing/doubled ones do not.
        ("isn't", 0, 0, 1),
        ("isn\u2019t", 0, 0, 1),
        ("COVID-19", 0, 0, 1),
        ("3.14", 0, 0, 1),
        ("e.g.", 0, 0, 1),
        ("Mr. Smith", 0, 0, 2),
        ("a--b", 0, 0, 2),
        ("-5", 0, 0, 1),
        ("1,000", 0, 0, 2),
        ("'quoted'", 0, 0, 1),
        # Han ranges, 〇, extension B, compatibility ideographs.
        ("〇", 1, 0, 0),
        ("二〇二六年", 5, 0, 0),
        ("\u3400", 1, 0, 0),
        ("\U00020000", 1, 0, 0),
        ("\U00030000", 1, 0, 0),
        ("\uf900", 1, 0, 0),
        # CJK and full-width punctuation.
        ("。，、；：？！", 0, 7, 0),
        ("「」『』【】〔〕〖〗", 0, 10, 0),
        ("‘单引号’", 3, 2, 0),
        ("——破折号……", 3, 4, 0),
        ("圣·埃克苏佩里", 6, 1, 0),
        ("台湾‧地区", 4, 1, 0),
        ("～", 0, 1, 0),
        ("\uff61\uff62\uff63\uff64\uff65", 0, 5, 0),
        ("\ufe10\ufe31", 0, 2, 0),
        ("￥", 0, 0, 0),
        # Full-width letters and digits are words, not punctuation.
        ("ＡＢＣ１２３", 0, 0, 1),
        ("ＡＢＣ\u3000１２３", 0, 0, 2),
        ("Ａ－Ｂ", 0, 1, 2),
        ("共１２页", 2, 0, 1),
        # Accented Latin letters (pinyin, loanwords) do not split a word; NFC joins marks.
        ("café", 0, 0, 1),
        ("cafe\u0301", 0, 0, 1),
        ("lǜsè", 0, 0, 1),
        # Emoji and other symbols count 0.
        ("🙂👍★※①②", 0, 0, 0),
        ("加油💪", 2, 0, 0),
        # HTML / Markdown markup is counted as plain text.
        ("<b>加粗</b>", 2, 0, 2),
        ("**重点**：请看[链接](https://example.com/a-b)", 6, 1, 3),
        ("# 标题\n\n- 第一条\n- 第二条", 8, 0, 0),
    ],
)
def test_count_chars(text: str, han: int, punct: int, words: int) -> None:
    count = count_chars(text)
    assert (count.han, count.punct, count.words) == (han, punct, words)
    assert count.total == han + punct + words
    assert count.without_punct == han + words


def test_count_chars_20000_characters() -> None:
    text = "教。ab " * 4000
    assert len(text) == 20000
    assert count_chars(text) == CharCount(han=4000, punct=4000, words=4000)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("研修" * 10000, CharCount(han=20000, punct=0, words=0)),
        # Long chains of word separators must not cause regex backtracking blow-ups.
        ("a." * 10000, CharCount(han=0, punct=0, words=1)),
        ("a-" * 10000, CharCount(han=0, punct=0, words=1)),
        ("a--" * 6000 + "b", CharCount(han=0, punct=0, words=6001)),
    ],
)
def test_count_chars_long_texts(text: str, expected: CharCount) -> None:
    assert count_chars(text) == expected


def test_char_count_is_frozen() -> None:
    count = CharCount(han=1, punct=2, words=3)
    with pytest.raises(dataclasses.FrozenInstanceError):
        count.han = 5  # type: ignore[misc]
    assert (count.total, count.without_punct) == (6, 4)


# --------------------------------------------------------------------------- check_length


@pytest.mark.parametrize(
    ("text", "min_chars", "max_chars", "total"),
    [
        ("研修" * 150, 300, None, 300),
        ("研修" * 150, 300, 300, 300),
        ("研修" * 200, 300, 500, 400),
        ("研修" * 250, None, 500, 500),
        ("", None, None, 0),
        (REFERENCE_TEXT, 45, 45, 45),
    ],
)
def test_check_length_accepts(
    text: str, min_chars: int | None, max_chars: int | None, total: int
) -> None:
    count = check_length(text, min_chars=min_chars, max_chars=max_chars)
    assert count == count_chars(text)
    assert count.total == total


@pytest.mark.parametrize(
    ("text", "min_chars", "max_chars", "fragments"),
    [
        ("研修" * 60 + "abc 123", 300, None, ["字数不足", "122 字", "300 字", "178 字"]),
        ("研修" * 149 + "。", 300, 800, ["字数不足", "299 字", "300 字", "1 字"]),
        ("", 10, None, ["字数不足", "0 字", "10 字"]),
        ("研修" * 300, None, 500, ["字数超出", "600 字", "500 字", "100 字"]),
        ("研修，" * 200, 100, 500, ["字数超出", "600 字", "500 字", "100 字"]),
    ],
)
def test_check_length_rejects(
    text: str, min_chars: int | None, max_chars: int | None, fragments: list[str]
) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        check_length(text, min_chars=min_chars, max_chars=max_chars)
    message = str(exc_info.value)
    for fragment in fragments:
        assert fragment in message


def test_check_length_message_wording() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        check_length("研" * 123, min_chars=300)
    assert str(exc_info.value) == "字数不足：现在 123 字，至少需要 300 字，还差 177 字。"


# --------------------------------------------------------------------------- parse_date


@pytest.mark.parametrize(
    ("text", "today", "expected"),
    [
        # Full dates.
        ("2026-12-03", TODAY, date(2026, 12, 3)),
        ("2026/12/3", TODAY, date(2026, 12, 3)),
        ("2026.12.3", TODAY, date(2026, 12, 3)),
        ("2026年12月3日", TODAY, date(2026, 12, 3)),
        ("2026年12月3号", TODAY, date(2026, 12, 3)),
        ("  2026 年 12 月 3 日 ", TODAY, date(2026, 12, 3)),
        ("２０２６－１２－０３", TODAY, date(2026, 12, 3)),
        ("２０２６年１２月３日", TODAY, date(2026, 12, 3)),
        ("2025-09-01", TODAY, date(2025, 9, 1)),
        ("2028-02-29", TODAY, date(2028, 2, 29)),
        ("2028年2月29日", TODAY, date(2028, 2, 29)),
        # Month and day, year taken from today.
        ("12月3日", TODAY, date(2026, 12, 3)),
        ("12月3号", TODAY, date(2026, 12, 3)),
        ("12月3", TODAY, date(2026, 12, 3)),
        ("12.3", TODAY, date(2026, 12, 3)),
        ("12/3", TODAY, date(2026, 12, 3)),
        ("12-3", TODAY, date(2026, 12, 3)),
        ("１２／３", TODAY, date(2026, 12, 3)),
        ("１２月３日", TODAY, date(2026, 12, 3)),
        ("9月1日", TODAY, date(2026, 9, 1)),
        ("7月1日", date(2027, 1, 5), date(2027, 7, 1)),
        # More than ~6 months away: the nearest year instead.
        ("3月1日", TODAY, date(2027, 3, 1)),
        ("12月28日", date(2027, 1, 5), date(2026, 12, 28)),
        ("1月3日", date(2026, 12, 30), date(2027, 1, 3)),
        ("12/31", date(2027, 1, 1), date(2026, 12, 31)),
        ("1.1", date(2026, 12, 31), date(2027, 1, 1)),
        # 2月29日 without a year.
        ("2月29日", date(2028, 1, 10), date(2028, 2, 29)),
        ("2月29日", date(2027, 12, 20), date(2028, 2, 29)),
        # Relative days.
        ("今天", TODAY, date(2026, 12, 3)),
        (" 今天 ", TODAY, date(2026, 12, 3)),
        ("昨天", TODAY, date(2026, 12, 2)),
        ("前天", TODAY, date(2026, 12, 1)),
        ("大前天", TODAY, date(2026, 11, 30)),
        ("明天", TODAY, date(2026, 12, 4)),
        ("后天", TODAY, date(2026, 12, 5)),
        ("大后天", TODAY, date(2026, 12, 6)),
        ("昨天", date(2027, 1, 1), date(2026, 12, 31)),
        ("明天", date(2028, 2, 28), date(2028, 2, 29)),
        # Weekdays of the current ISO week.
        ("周一", TODAY, date(2026, 11, 30)),
        ("周三", TODAY, date(2026, 12, 2)),
        ("星期三", TODAY, date(2026, 12, 2)),
        ("礼拜三", TODAY, date(2026, 12, 2)),
        ("周3", TODAY, date(2026, 12, 2)),
        ("周四", TODAY, date(2026, 12, 3)),
        ("周日", TODAY, date(2026, 12, 6)),
        ("周天", TODAY, date(2026, 12, 6)),
        ("星期天", TODAY, date(2026, 12, 6)),
        ("礼拜日", TODAY, date(2026, 12, 6)),
        ("本周五", TODAY, date(2026, 12, 4)),
        ("这周五", TODAY, date(2026, 12, 4)),
        ("这个星期五", TODAY, date(2026, 12, 4)),
        ("周一", date(2026, 12, 6), date(2026, 11, 30)),
        # Previous and next week.
        ("上周三", TODAY, date(2026, 11, 25)),
        ("上星期三", TODAY, date(2026, 11, 25)),
        ("上个周一", TODAY, date(2026, 11, 23)),
        ("下周三", TODAY, date(2026, 12, 9)),
        ("下星期日", TODAY, date(2026, 12, 13)),
        ("下个礼拜一", TODAY, date(2026, 12, 7)),
        ("下周一", date(2026, 12, 31), date(2027, 1, 4)),
        ("上周五", date(2027, 1, 1), date(2026, 12, 25)),
    ],
)
def test_parse_date(text: str, today: date, expected: date) -> None:
    assert parse_date(text, today=today) == expected


@pytest.mark.parametrize(
    ("text", "today", "fragments"),
    [
        ("2月30日", TODAY, ["没有 2月30日 这一天", "例如", "12月3日", "今天"]),
        ("2026-02-30", TODAY, ["没有 2月30日 这一天"]),
        ("4月31日", TODAY, ["没有 4月31日 这一天"]),
        ("12月32日", TODAY, ["没有 12月32日 这一天"]),
        ("12月0日", TODAY, ["没有 12月0日 这一天"]),
        ("13月1日", TODAY, ["没有 13月", "月份", "1 到 12"]),
        ("2026-13-01", TODAY, ["没有 13月", "月份"]),
        ("0月5日", TODAY, ["没有 0月", "月份"]),
        ("2026-02-29", TODAY, ["2026年没有 2月29日 这一天", "闰年", "例如"]),
        ("2026年2月29日", TODAY, ["2026年没有 2月29日 这一天", "闰年"]),
        ("２０２７年２月２９日", TODAY, ["2027年没有 2月29日 这一天"]),
        ("2月29日", date(2027, 6, 1), ["2027年没有 2月29日 这一天", "闰年"]),
        ("0000-01-01", TODAY, ["年份", "不对"]),
        ("", TODAY, ["请输入日期", "12月3日", "2026-12-03", "今天", "周三"]),
        ("   ", TODAY, ["请输入日期", "12月3日"]),
        ("随便", TODAY, ["没看懂", "12月3日", "2026-12-03", "今天", "昨天", "上周三"]),
        ("abc", TODAY, ["没看懂", "12月3日"]),
        ("2026-12", TODAY, ["没看懂"]),
        ("20261203", TODAY, ["没看懂"]),
        ("12/3/2026", TODAY, ["没看懂"]),
        ("2026-12/03", TODAY, ["没看懂"]),
        ("上上周三", TODAY, ["没看懂"]),
        ("周八", TODAY, ["没看懂"]),
        ("明天下午", TODAY, ["没看懂"]),
        ("12月3日 下午", TODAY, ["没看懂"]),
    ],
)
def test_parse_date_rejects(text: str, today: date, fragments: list[str]) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_date(text, today=today)
    message = str(exc_info.value)
    for fragment in fragments:
        assert fragment in message


def test_parse_date_message_wording() -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_date("2月30日", today=TODAY)
    assert str(exc_info.value) == (
        "没有 2月30日 这一天，请重新输入日期，例如 12月3日、2026-12-03、今天、昨天"
    )


def test_invalid_input_is_value_error() -> None:
    with pytest.raises(ValueError, match="没看懂"):
        parse_date("??", today=TODAY)


# --------------------------------------------------------------------------- parse_time


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15:30", time(15, 30)),
        ("15：30", time(15, 30)),
        (" 15:30 ", time(15, 30)),
        ("１５：３０", time(15, 30)),
        ("9:05", time(9, 5)),
        ("09:05", time(9, 5)),
        ("0:00", time(0, 0)),
        ("23:59", time(23, 59)),
        ("12:00", time(12, 0)),
        ("7:30", time(7, 30)),
        # Bare hours 1-6 mean the afternoon; a zero-padded hour is literal 24-hour time.
        ("6:30", time(18, 30)),
        ("1:00", time(13, 0)),
        ("06:30", time(6, 30)),
        ("下午3:30", time(15, 30)),
        ("上午10:15", time(10, 15)),
        ("下午3点半", time(15, 30)),
        ("下午 3 点 半", time(15, 30)),
        ("下午3点", time(15, 0)),
        ("上午9点20", time(9, 20)),
        ("上午9点20分", time(9, 20)),
        ("9点20", time(9, 20)),
        ("3点半", time(15, 30)),
        ("3点", time(15, 0)),
        ("6点", time(18, 0)),
        ("7点", time(7, 0)),
        ("12点", time(12, 0)),
        ("上午6点", time(6, 0)),
        ("下午2点一刻", time(14, 15)),
        ("三点三刻", time(15, 45)),
        ("两点半", time(14, 30)),
        ("十点", time(10, 0)),
        ("十点零五", time(10, 5)),
        ("十点二十", time(10, 20)),
        ("9点05", time(9, 5)),
        ("9点5分", time(9, 5)),
        ("8点整", time(8, 0)),
        ("15点30分", time(15, 30)),
        ("15时30分", time(15, 30)),
        ("中午12点", time(12, 0)),
        ("中午1点", time(13, 0)),
        ("晚上8点", time(20, 0)),
        ("早上7点40", time(7, 40)),
        ("下午12点", time(12, 0)),
        ("下午15点", time(15, 0)),
    ],
)
def test_parse_time(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize(
    ("text", "fragments"),
    [
        ("25:00", ["没有 25:00 这个时间", "0 到 23", "15:30", "下午3点半"]),
        ("24:00", ["没有 24:00 这个时间"]),
        ("12:61", ["没有 12:61 这个时间", "0 到 59"]),
        ("25点", ["没有 25点 这个时间"]),
        ("3点70", ["没有 3点70 这个时间"]),
        ("1530", ["冒号", "15:30"]),
        ("930", ["冒号"]),
        ("", ["没看懂", "15:30", "下午3点半"]),
        ("开会", ["没看懂", "15:30", "上午9点20"]),
        ("15:3", ["没看懂"]),
        ("15.30", ["没看懂"]),
        ("15:30:00", ["没看懂"]),
        ("下午", ["没看懂"]),
        ("-1:00", ["没看懂"]),
        ("上午15点", ["上午", "15 点", "15:30"]),
        ("晚上12点", ["晚上", "12 点"]),
        ("下午0点", ["下午", "0 点"]),
    ],
)
def test_parse_time_rejects(text: str, fragments: list[str]) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_time(text)
    message = str(exc_info.value)
    for fragment in fragments:
        assert fragment in message


# --------------------------------------------------------------------------- parse_int


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "expected"),
    [
        ("3", None, None, 3),
        (" 8 ", None, None, 8),
        ("007", None, None, 7),
        ("+7", None, None, 7),
        ("-5", -10, None, -5),
        ("０", None, None, 0),
        ("１２", None, None, 12),
        ("－３", None, None, -3),
        ("一", None, None, 1),
        ("两", None, None, 2),
        ("零", None, None, 0),
        ("十", None, None, 10),
        ("十一", None, None, 11),
        ("十九", None, None, 19),
        ("二十", None, None, 20),
        ("二十三", None, None, 23),
        ("九十九", None, None, 99),
        ("5", 1, 8, 5),
        ("1", 1, 8, 1),
        ("8", 1, 8, 8),
        ("八", 1, 8, 8),
        ("１０", 10, None, 10),
        ("99", None, 99, 99),
    ],
)
def test_parse_int(text: str, minimum: int | None, maximum: int | None, expected: int) -> None:
    assert parse_int(text, minimum=minimum, maximum=maximum) == expected


@pytest.mark.parametrize(
    ("text", "minimum", "maximum", "fragments"),
    [
        ("9", 1, 8, ["9", "请输入 1 到 8 之间的数字"]),
        ("0", 1, 8, ["请输入 1 到 8 之间的数字"]),
        ("二十", 1, 8, ["20", "请输入 1 到 8 之间的数字"]),
        ("９", 1, 8, ["请输入 1 到 8 之间的数字"]),
        ("3", 5, None, ["请输入不小于 5 的数字"]),
        ("100", None, 99, ["请输入不大于 99 的数字"]),
        ("abc", None, None, ["没看懂", "数字", "二十三"]),
        ("abc", 1, 8, ["没看懂", "请输入 1 到 8 之间的数字"]),
        ("", None, None, ["没看懂", "数字"]),
        ("3.5", None, None, ["没看懂"]),
        ("1e3", None, None, ["没看懂"]),
        ("1 2", None, None, ["没看懂"]),
        ("3个", None, None, ["没看懂"]),
        ("十十", None, None, ["没看懂"]),
        ("1" * 30, None, None, ["没看懂"]),
    ],
)
def test_parse_int_rejects(
    text: str, minimum: int | None, maximum: int | None, fragments: list[str]
) -> None:
    with pytest.raises(InvalidInput) as exc_info:
        parse_int(text, minimum=minimum, maximum=maximum)
    message = str(exc_info.value)
    for fragment in fragments:
        assert fragment in message
