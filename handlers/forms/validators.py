"""Validators for teachers' free-text answers: 字数 counting, dates, times, numbers.

Every function is pure: "today" is always passed in by the caller, never read from the clock.
Rejected input raises :class:`InvalidInput`, whose ``str()`` is a Chinese message for the user.
"""

from __future__ import annotations

import re
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import date, time, timedelta

import cn2an

__all__ = [
    "CharCount",
    "Counted",
    "InvalidInput",
    "check_length",
    "count_chars",
    "count_unique",
    "parse_date",
    "parse_int",
    "parse_time",
]


class InvalidInput(ValueError):
    """A user's answer that cannot be accepted; str(exc) tells the user what to fix."""


# --------------------------------------------------------------------------- 字数

_HAN = "\u3007\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\U00020000-\U0002ebef\U00030000-\U000323af"
# CJK punctuation, full-width punctuation (U+FF01-FF65 minus full-width letters and digits),
# and the curly quotes, dash, ellipsis and middle dots that Chinese text uses.
_PUNCT = (
    "\u3001-\u3006\u3008-\u3011\u3014-\u301f\ufe10-\ufe19\ufe30-\ufe4f"
    "\uff01-\uff0f\uff1a-\uff20\uff3b-\uff40\uff5b-\uff65"
    "\u201c\u201d\u2018\u2019\u2014\u2026\u00b7\u2027"
)
# Letters and digits of a "word": ASCII, full-width, and accented Latin letters (pinyin tone
# marks such as ǜ, or café), so that an accented letter does not split a word in two.
_ALNUM = (
    "A-Za-z0-9\uff10-\uff19\uff21-\uff3a\uff41-\uff5a"
    "\u00c0-\u00d6\u00d8-\u00f6\u00f8-\u024f\u1e00-\u1eff"
)
_COUNT_RE = re.compile(
    rf"(?P<han>[{_HAN}]+)"
    rf"|(?P<punct>[{_PUNCT}]+)"
    rf"|(?P<word>[{_ALNUM}]+(?:['\u2019.\-][{_ALNUM}]+)*)"
)


@dataclass(frozen=True)
class CharCount:
    """The 字数 of a text, counted the way Word/WPS count it."""

    han: int
    punct: int
    words: int

    @property
    def total(self) -> int:
        """Return 字数: Han characters + CJK punctuation marks + Latin/digit words."""
        return self.han + self.punct + self.words

    @property
    def without_punct(self) -> int:
        """Return 字数 without punctuation: Han characters + Latin/digit words."""
        return self.han + self.words


def count_chars(text: str) -> CharCount:
    """Count Han characters, CJK punctuation and Latin/digit words of a text (NFC first)."""
    han = punct = words = 0
    for match in _COUNT_RE.finditer(unicodedata.normalize("NFC", text)):
        kind = match.lastgroup
        if kind == "han":
            han += len(match.group())
        elif kind == "punct":
            punct += len(match.group())
        else:
            words += 1
    return CharCount(han=han, punct=punct, words=words)


# Padding: a sentence (up to 。！？；!?; or a line break) that already appeared in the same
# record is counted once. Nothing else is guessed: the rule is simple enough to explain.
_SENTENCE_RE = re.compile(r"[^。！？；!?;\n]+[。！？；!?;]*")


@dataclass(frozen=True)
class Counted:
    """The 字数 that counts: repeated sentences once; and the repeats that were cut."""

    total: int
    cut: tuple[tuple[str, int], ...] = ()  # (sentence, extra times it appeared)

    @property
    def cut_chars(self) -> int:
        """字数 not counted because it repeated a sentence."""
        return sum(count_chars(sentence).total * times for sentence, times in self.cut)


def count_unique(*texts: str, seen: set[str] | None = None) -> Counted:
    """字数 of ``texts`` with every sentence counted once (across all of them)."""
    seen = set() if seen is None else seen
    total = 0
    extra: dict[str, int] = {}
    for text in texts:
        for match in _SENTENCE_RE.finditer(unicodedata.normalize("NFC", text)):
            sentence = " ".join(match.group().split())
            if not sentence:
                continue
            if sentence in seen:
                if count_chars(sentence).total:
                    extra[sentence] = extra.get(sentence, 0) + 1
                continue
            seen.add(sentence)
            total += count_chars(sentence).total
    return Counted(total, tuple(extra.items()))


def check_length(text: str, *, min_chars: int | None, max_chars: int | None = None) -> CharCount:
    """Return the CharCount of text, or raise InvalidInput if it is out of bounds: at least
    ``min_chars`` counted (repeated sentences once), at most ``max_chars`` as typed."""
    count = count_chars(text)
    total = count.total
    if min_chars is not None and total >= min_chars:
        counted = count_unique(text)
        if counted.total < min_chars:
            raise InvalidInput(
                f"字数不足：重复的句子只计一次，现在计 {counted.total} 字，"
                f"至少需要 {min_chars} 字，还差 {min_chars - counted.total} 字。")
    if min_chars is not None and total < min_chars:
        raise InvalidInput(
            f"字数不足：现在 {total} 字，至少需要 {min_chars} 字，还差 {min_chars - total} 字。"
        )
    if max_chars is not None and total > max_chars:
        raise InvalidInput(
            f"字数超出：现在 {total} 字，最多 {max_chars} 字，请删减 {total - max_chars} 字。"
        )
    return count


# --------------------------------------------------------------------------- numbers

_CN_DIGITS = {
    "零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4,
    "五": 5, "六": 6, "七": 7, "八": 8, "九": 9,
}  # fmt: skip
_CN_TENS_RE = re.compile(r"([一二三四五六七八九])?十([一二三四五六七八九])?")
_CN_NUM = "[零〇一二两三四五六七八九十]{1,3}"


def _normalize(text: str) -> str:
    """Return text with full-width forms folded to ASCII (NFKC) and outer whitespace removed."""
    return unicodedata.normalize("NFKC", text).strip()


def _chinese_number(text: str) -> int | None:
    """Return the value of a simple Chinese numeral 零..九十九 (also 零五), or None."""
    if text in _CN_DIGITS:
        return _CN_DIGITS[text]
    if len(text) == 2 and text[0] in "零〇" and text[1] in _CN_DIGITS:
        return _CN_DIGITS[text[1]]
    match = _CN_TENS_RE.fullmatch(text)
    if match is None:
        return None
    tens = _CN_DIGITS[match[1]] if match[1] else 1
    ones = _CN_DIGITS[match[2]] if match[2] else 0
    return tens * 10 + ones


def _range_hint(minimum: int | None, maximum: int | None) -> str:
    """Return the Chinese sentence that tells which numbers are allowed."""
    if minimum is not None and maximum is not None:
        return f"请输入 {minimum} 到 {maximum} 之间的数字"
    if minimum is not None:
        return f"请输入不小于 {minimum} 的数字"
    if maximum is not None:
        return f"请输入不大于 {maximum} 的数字"
    return "请输入一个数字"


def _digits(text: str) -> str:
    """Chinese numerals turned into digits by cn2an (十一月二十五日 → 11月25日, 第三节 → 第3节);
    the text unchanged where cn2an cannot read it."""
    try:
        with warnings.catch_warnings():  # cn2an warns before it raises on 十十
            warnings.simplefilter("ignore")
            return str(cn2an.transform(text, "cn2an"))
    except (ValueError, KeyError, IndexError, TypeError):
        return text


def _examples(minimum: int | None, maximum: int | None) -> str:
    """Three examples inside the allowed range: two in digits, one in Chinese."""
    low = minimum if minimum is not None else (1 if maximum is None or maximum >= 1 else maximum)
    high = maximum if maximum is not None else max(low, 23)
    picks = sorted({low, (low + high) // 2, high})
    shown = [str(n) for n in picks[:-1]] + [str(cn2an.an2cn(picks[-1]))]
    if len(shown) == 1:
        return f"例如 {shown[0]}"
    return f"例如 {'、'.join(shown[:-1])} 或 {shown[-1]}"


def parse_int(text: str, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """Parse an integer written in ASCII/full-width digits or Chinese numerals (via cn2an),
    also as an ordinal: 第三节, 第3节."""
    cleaned = _normalize(text)
    value: int | None
    if re.fullmatch(r"[+-]?[0-9]{1,18}", cleaned):
        value = int(cleaned)
    else:
        value = _chinese_number(cleaned)
        if value is None:
            ordinal = re.fullmatch(r"第?([+-]?[0-9]{1,18})(?:节课?|课时)?",
                                   _digits(cleaned))
            value = int(ordinal[1]) if ordinal else None
    hint = _range_hint(minimum, maximum)
    if value is None:
        raise InvalidInput(f"没看懂这个数字，{hint}，{_examples(minimum, maximum)}。")
    if (minimum is not None and value < minimum) or (maximum is not None and value > maximum):
        raise InvalidInput(f"{value} 超出了范围，{hint}。")
    return value


# --------------------------------------------------------------------------- dates

_DATE_EXAMPLES = "例如 12月3日、2026-12-03、今天、昨天"
_DATE_FORMS = "12月3日、2026-12-03、2026年12月3日、12/3、今天、昨天、周三、上周三"
_HALF_YEAR_DAYS = 183
_MIN_YEAR, _MAX_YEAR = 1900, 2100
_DAYS_IN_MONTH = (31, 29, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31)  # Feb: leap-year maximum
_RELATIVE_DAYS = {
    "大前天": -3, "前天": -2, "昨天": -1, "昨日": -1, "今天": 0, "今日": 0,
    "明天": 1, "明日": 1, "后天": 2, "大后天": 3,
}  # fmt: skip
_WEEKDAYS = {
    "一": 1, "二": 2, "三": 3, "四": 4, "五": 5, "六": 6, "日": 7, "天": 7,
    "1": 1, "2": 2, "3": 3, "4": 4, "5": 5, "6": 6, "7": 7,
}  # fmt: skip
_WEEK_OFFSETS = {"上": -1, "上个": -1, "下": 1, "下个": 1, "本": 0, "这": 0, "这个": 0}

_FULL_DATE_RE = re.compile(
    r"(?P<y>[0-9]{4})(?:(?P<sep>[-/.])(?P<m1>[0-9]{1,2})(?P=sep)(?P<d1>[0-9]{1,2})"
    r"|年(?P<m2>[0-9]{1,2})月(?P<d2>[0-9]{1,2})[日号]?)"
)
_MONTH_DAY_RE = re.compile(
    r"(?P<m1>[0-9]{1,2})月(?P<d1>[0-9]{1,2})[日号]?|(?P<m2>[0-9]{1,2})[-/.](?P<d2>[0-9]{1,2})"
)
_DAY_RE = re.compile(r"(?P<d>[0-9]{1,2})[日号]")
_WEEKDAY_RE = re.compile(
    r"(?P<offset>上个?|下个?|本|这个?)?(?:周|星期|礼拜)(?P<day>[一二三四五六日天1-7])"
)


def _check_month_day(month: int, day: int) -> None:
    """Raise InvalidInput if month/day cannot exist in any year."""
    if not 1 <= month <= 12:
        raise InvalidInput(
            f"没有 {month}月 这个月份，月份应在 1 到 12 之间，请重新输入日期，{_DATE_EXAMPLES}"
        )
    if not 1 <= day <= _DAYS_IN_MONTH[month - 1]:
        raise InvalidInput(f"没有 {month}月{day}日 这一天，请重新输入日期，{_DATE_EXAMPLES}")


def _make_date(year: int, month: int, day: int) -> date:
    """Build a date from a year and an already checked month/day (only 2月29日 can still fail)."""
    if not _MIN_YEAR <= year <= _MAX_YEAR:
        raise InvalidInput(f"年份 {year} 看起来不对，请重新输入日期，{_DATE_EXAMPLES}")
    try:
        return date(year, month, day)
    except ValueError:
        raise InvalidInput(
            f"{year}年没有 {month}月{day}日 这一天（{year}年不是闰年），"
            f"请重新输入日期，{_DATE_EXAMPLES}"
        ) from None


def _nearest_year(month: int, day: int, today: date) -> int:
    """Return the year of today, or the adjacent one if that is more than ~6 months nearer."""
    # Day clamped to 28 so that 2月29日 can be placed before we know whether the year is leap.
    delta = (date(today.year, month, min(day, 28)) - today).days
    if delta > _HALF_YEAR_DAYS:
        return today.year - 1
    if delta < -_HALF_YEAR_DAYS:
        return today.year + 1
    return today.year


def _month_before(day: date) -> date:
    first = day.replace(day=1) - timedelta(days=1)
    return first.replace(day=min(day.day, _last_day(first)))


def _month_after(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following.replace(day=min(day.day, _last_day(following)))


def _last_day(day: date) -> int:
    return ((day.replace(day=28) + timedelta(days=4)).replace(day=1) - timedelta(days=1)).day


def parse_date(text: str, *, today: date, past: bool = False) -> date:
    """Parse a date a teacher typed (12月3日, 十一月二十五日, 25号, 2026-12-03, 昨天, 周三,
    上周三, ...) relative to today. ``past``: the field takes no future day, so a bare
    周三 or 25号 that has not come yet this week or month means the last one."""
    cleaned = _digits(re.sub(r"\s+", "", _normalize(text)))
    if not cleaned:
        raise InvalidInput(f"请输入日期，可以这样写：{_DATE_FORMS}")
    if cleaned in _RELATIVE_DAYS:
        return today + timedelta(days=_RELATIVE_DAYS[cleaned])
    if match := _WEEKDAY_RE.fullmatch(cleaned):
        monday = today - timedelta(days=today.weekday())
        weeks = _WEEK_OFFSETS.get(match["offset"] or "本", 0)
        found = monday + timedelta(days=7 * weeks + _WEEKDAYS[match["day"]] - 1)
        if past and match["offset"] is None and found > today:
            found -= timedelta(days=7)
        return found
    if match := _DAY_RE.fullmatch(cleaned):  # 25号: this month's (or the nearest fitting)
        wanted = int(match["d"])
        if not 1 <= wanted <= 31:
            raise InvalidInput(f"没有 {wanted}日 这一天，请重新输入日期，{_DATE_EXAMPLES}")
        candidates = [today.replace(day=1), _month_before(today.replace(day=1))]
        if past:
            candidates = [c for c in candidates if wanted <= _last_day(c)]
            found_days = [c.replace(day=wanted) for c in candidates
                          if c.replace(day=wanted) <= today]
        else:
            month = today.replace(day=1)
            found_days = [m.replace(day=wanted) for m in (month, _month_after(month))
                          if wanted <= _last_day(m)]
        if not found_days:
            raise InvalidInput(f"没有 {wanted}日 这一天，请重新输入日期，{_DATE_EXAMPLES}")
        return found_days[0]
    if match := _FULL_DATE_RE.fullmatch(cleaned):
        month = int(match["m1"] or match["m2"])
        day = int(match["d1"] or match["d2"])
        _check_month_day(month, day)
        return _make_date(int(match["y"]), month, day)
    if match := _MONTH_DAY_RE.fullmatch(cleaned):
        month = int(match["m1"] or match["m2"])
        day = int(match["d1"] or match["d2"])
        _check_month_day(month, day)
        return _make_date(_nearest_year(month, day, today), month, day)
    raise InvalidInput(f"没看懂这个日期，请这样输入：{_DATE_FORMS}")


# --------------------------------------------------------------------------- times

_TIME_EXAMPLES = "例如 15:30、9:05、下午3点半、上午9点20"
_AM = ("上午", "早上", "早晨")
_PM = ("下午", "傍晚", "晚上")
_PERIOD = "|".join((*_AM, "中午", *_PM))
_MINUTE_WORDS = {"半": 30, "整": 0, "一刻": 15, "三刻": 45}
_COLON_TIME_RE = re.compile(rf"(?P<period>{_PERIOD})?(?P<h>[0-9]{{1,2}}):(?P<m>[0-9]{{2}})")
_CN_TIME_RE = re.compile(
    rf"(?P<period>{_PERIOD})?(?P<h>[0-9]{{1,2}}|{_CN_NUM})[点时]"
    rf"(?:(?P<word>半|整|一刻|三刻)|(?P<m>[0-9]{{1,2}}|{_CN_NUM})分?)?"
)


def _to_24_hour(period: str | None, hour: int, zero_padded: bool) -> int:
    """Return the 24-hour hour for an hour said with an optional period such as 下午."""
    if period is None:
        # School activities happen between 7:00 and 18:00, so a bare hour 1-6 ("3点半",
        # "3:30") means the afternoon. A zero-padded hour ("06:30") is taken as 24-hour.
        return hour + 12 if 1 <= hour <= 6 and not zero_padded else hour
    if period in _AM and 0 <= hour <= 12:
        return hour
    if period == "中午" and 11 <= hour <= 14:
        return hour
    if period == "中午" and 1 <= hour <= 2:
        return hour + 12
    if period in _PM and 1 <= hour <= 11:
        return hour + 12
    if period in _PM and (13 <= hour <= 23 or (hour == 12 and period == "下午")):
        return hour
    raise InvalidInput(f"“{period}”没有 {hour} 点，请重新输入时间，{_TIME_EXAMPLES}")


def _number(text: str) -> int:
    """Return the value of ASCII digits or a simple Chinese numeral (-1 if unreadable)."""
    if text.isascii() and text.isdigit():
        return int(text)
    value = _chinese_number(text)
    return -1 if value is None else value


def parse_time(text: str) -> time:
    """Parse a time of day (15:30, 15：30, 下午3点半, 上午9点20, 3点半) into a time."""
    cleaned = re.sub(r"\s+", "", _normalize(text))
    if match := _COLON_TIME_RE.fullmatch(cleaned):
        hour_text, minute = match["h"], int(match["m"])
    elif match := _CN_TIME_RE.fullmatch(cleaned):
        hour_text = match["h"]
        if match["word"]:
            minute = _MINUTE_WORDS[match["word"]]
        else:
            minute = _number(match["m"]) if match["m"] else 0
    elif re.fullmatch(r"[0-9]{3,4}", cleaned):
        raise InvalidInput(f"请在小时和分钟之间加冒号，{_TIME_EXAMPLES}")
    else:
        raise InvalidInput(f"没看懂这个时间，请这样输入：{_TIME_EXAMPLES}")
    raw_hour = _number(hour_text)
    if not (0 <= raw_hour <= 23 and 0 <= minute <= 59):
        shown = f"{hour_text}:{match['m']}" if ":" in cleaned else cleaned
        raise InvalidInput(
            f"没有 {shown} 这个时间：小时应在 0 到 23 之间，分钟应在 0 到 59 之间，"
            f"请重新输入，{_TIME_EXAMPLES}"
        )
    zero_padded = len(hour_text) == 2 and hour_text.startswith("0")
    return time(_to_24_hour(match["period"], raw_hour, zero_padded), minute)
