"""Personal data kept out of public text: reporters' names, phone numbers, e-mail, ID numbers, chat ids.

Detection runs on a folded copy of the text that has exactly one character for each original one: full-width
forms, other scripts' digits and Chinese numerals become ASCII, dash, dot and space variants become one of each.
Every match is therefore also a span of the original text, and only that span is replaced by ``***``.

A run of digits joined by separators (space - . · _ / ( ) and 一 between digits) is masked when it is a mobile or
landline number, a resident ID (18 or 15 digits) or any other run of at least seven digits, except dates, year
ranges, decimals such as coordinates, and amounts or quantities followed by a unit (unless a phone word precedes).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Iterator

MASK = "***"
# A name this short would blank ordinary words; shorter phone fragments are not numbers.
MIN_NAME_CHARS = 2
MIN_PHONE_CHARS = 5
MIN_LONG_DIGITS = 7  # shorter runs are house numbers, amounts, years, hotlines such as 12345

_CHINESE_DIGITS = dict(zip("〇零二三四五六七八九幺壹贰叁肆伍陆柒捌玖", "0023456789" "1123456789", strict=True))
_CN = "".join(_CHINESE_DIGITS) + "一"
# 一 is a digit next to another Chinese numeral (一三八…), a dash between Arabic digits (138一2345一6789).
_ONE_AS_DIGIT = re.compile(f"(?<=[{_CN}])一|一(?=[{_CN}])")
_DASHES = frozenset("‐‑‒–—―−﹘﹣ー─━")
_DOTS = frozenset("·•‧∙・")

_SEP = r"[ \-.·_/一()]"
_RUN = re.compile(rf"[+(]?\d(?:{_SEP}{{0,3}}\d)*(?:{_SEP}{{0,3}}[Xx](?![A-Za-z0-9]))?")
_DIGITS = re.compile(r"\d+")
_MOBILE = re.compile(r"1[3-9]\d{9}")
_DATE_SEPS = frozenset("-/.")
_RANGE_SEPS = frozenset("-/一")
_PHONE_WORDS = re.compile(r"电话|座机|手机|联系|号码|热线|致电|拨打|来电|传真|tel|phone|mobile|call|fax|qq|微信", re.I)
_UNITS = frozenset("元块角万亿米平亩斤吨克人户个次辆件台套间年天%‰")
_CURRENCY = frozenset("¥$￥")

_AT = r" ?(?:@|[(\[] ?at ?[)\]]) ?"
_DOT = r" ?(?:\.|[(\[] ?dot ?[)\]]) ?"
_EMAIL = re.compile(rf"(?<![A-Za-z0-9._%+-])[A-Za-z0-9._%+-]+{_AT}[A-Za-z0-9-]+(?:{_DOT}[A-Za-z0-9-]+)+", re.I)
_SAYS = r"(?: ?[:=] ?| ?是 ?| ?为 ?| )"
# The leading look-ahead is only for speed: most positions are rejected by one character class.
_QQ = re.compile(rf"(?=[q扣企])(?<![A-Za-z])(?:qq|扣扣|企鹅)(?:号码|号)?{_SAYS}?(\d(?:[ \-]?\d){{4,11}})(?!\d)", re.I)
_WECHAT = re.compile(
    rf"(?=[vw微威薇])(?:(?:(?<![A-Za-z])(?:vx|wx|weixin|wechat)(?:号码|号| ?id)?{_SAYS}"
    rf"|(?:微信|威信|薇信|v信)(?:号码|号| ?id)?{_SAYS}?)([A-Za-z][-_A-Za-z0-9]{{5,}})"
    r"|(?<![A-Za-z0-9])(wxid_[-_A-Za-z0-9]+))", re.I)

_NAME_GAP = r"[ \-·._*]{0,2}"
_NAME_PARTS = re.compile(r"[ \-·._*]+")
_HONORIFIC = re.compile(r"[(\[【].*?[)\]】]|(?:先生|女士|小姐|同志|老师|师傅|阿姨|大爷|大妈|大姐|大哥)$")


def _fold_char(ch: str) -> str:
    """One character for `ch`: ASCII where there is an ASCII equivalent, else `ch` itself."""
    if ch in _CHINESE_DIGITS:
        return _CHINESE_DIGITS[ch]
    nfkc = unicodedata.normalize("NFKC", ch)
    one = nfkc if len(nfkc) == 1 else ch
    if one.isspace():
        return one if one in "\n\r" else " "
    if one in _DASHES:
        return "-"
    if one in _DOTS:
        return "·"
    digit = unicodedata.decimal(one, None)
    return one if digit is None else str(digit)


class _FoldTable(dict[int, str]):
    """A `str.translate` table filled on first sight of each character (one character in, one out)."""

    def __missing__(self, code: int) -> str:
        folded = self[code] = _fold_char(chr(code))
        return folded


_FOLD = _FoldTable()


def fold(text: str) -> str:
    """`text` with the same length, folded for detection (full-width to ASCII, Chinese numerals to digits…)."""
    return _ONE_AS_DIGIT.sub("1", text).translate(_FOLD)


def _birth(yyyymmdd: str) -> bool:
    return yyyymmdd[:2] in ("18", "19", "20") and _month_day(yyyymmdd[4:6], yyyymmdd[6:8])


def _month_day(month: str, day: str) -> bool:
    return 1 <= int(month) <= 12 and 1 <= int(day) <= 31


def _strong(digits: str, check_letter: bool) -> bool:
    """Whether these digits are a mobile, landline or ID number, whatever the separators and dates inside."""
    if check_letter and len(digits) == 17 and _birth(digits[6:14]):
        return True
    if any(digits.startswith(p) and _MOBILE.fullmatch(digits[len(p):]) for p in ("", "86", "0086")):
        return True
    if (len(digits) == 18 and _birth(digits[6:14])) or (len(digits) == 15 and _birth("19" + digits[6:12])):
        return True
    return digits[0] == "0" and digits[1] != "0" and 10 <= len(digits) <= 12


def _strong_prefix(groups: list[str], letter: bool) -> int:
    """How many leading groups (the most) form a mobile, landline or ID number, else 0."""
    best, digits = 0, ""
    for count, group in enumerate(groups, 1):
        digits += group
        if len(digits) > 18:
            break
        if len(digits) >= 10 and _strong(digits, letter and count == len(groups)):
            best = count
    return best


def _date_at(groups: list[str], seps: list[str], i: int) -> int:
    """How many groups from `i` are a date (2026-12-05, 05/12/2026) or a year range (2020-2026), else 0."""
    if i + 2 < len(groups) and seps[i].strip() == seps[i + 1].strip() and seps[i].strip() in _DATE_SEPS:
        a, b, c = groups[i:i + 3]
        if len(a) == 4 and len(b) <= 2 and len(c) <= 2 and _birth(a + b.zfill(2) + c.zfill(2)):
            return 3
        if len(a) <= 2 and len(b) <= 2 and len(c) == 4 and c[:2] in ("19", "20"):
            if _month_day(b, a) or _month_day(a, b):
                return 3
    if i + 1 < len(groups) and seps[i].strip() in _RANGE_SEPS and len(groups[i]) == len(groups[i + 1]) == 4:
        if all(g[:2] in ("19", "20") for g in groups[i:i + 2]):
            return 2
    return 0


def _all_decimal(groups: list[str], seps: list[str]) -> bool:
    """Whether the groups are only decimals such as 113.1234 36.18 (at most three integer digits each)."""
    chunks: list[list[str]] = [[groups[0]]]
    for group, sep in zip(groups[1:], seps, strict=True):
        if sep == ".":
            chunks[-1].append(group)
        else:
            chunks.append([group])
    return all(len(chunk) == 2 and len(chunk[0]) <= 3 for chunk in chunks)


def _excused(folded: str, start: int, end: int, digits: str) -> bool:
    """A long run that is a compact date or an amount with its unit or currency, without a phone word before."""
    if _PHONE_WORDS.search(folded, max(0, start - 12), start):
        return False
    if len(digits) == 8 and digits[:2] in ("19", "20") and _birth(digits):
        return True
    after = folded[end:end + 2].lstrip(" ")[:1]
    return after in _UNITS or folded[max(0, start - 1):start] in _CURRENCY


def _number_spans(folded: str) -> Iterator[tuple[int, int]]:
    for run in _RUN.finditer(folded):
        start, end, text = run.start(), run.end(), run.group()
        if len(text) < MIN_LONG_DIGITS:  # the usual case, house numbers and the like
            continue
        if text[0] == "(" and ")" not in text:
            start, text = start + 1, text[1:]
        found = list(_DIGITS.finditer(folded, start, end))
        groups = [m.group() for m in found]
        seps = [folded[a.end():b.start()] for a, b in zip(found, found[1:], strict=False)]
        if sum(map(len, groups)) < MIN_LONG_DIGITS:
            continue
        first = _strong_prefix(groups, text[-1] in "Xx")  # before decimals: 138.45678901 is a mobile
        if first == len(groups):
            yield start, end
            continue
        if first:  # 138 4567 8901 3号楼: the 3 is not part of the phone
            yield start, found[first - 1].end()
        elif _all_decimal(groups, seps):
            continue
        piece: list[int] = []
        i = first
        while i <= len(groups):
            skip = _date_at(groups, seps, i) if i < len(groups) else 0
            if skip or i == len(groups):
                if piece:  # the first and last pieces take the run's + ( and X too
                    yield from _long_piece(folded, found, seps, piece, start if piece[0] == 0 else None,
                                           end if piece[-1] == len(groups) - 1 else None)
                piece, i = [], i + max(skip, 1)
            else:
                piece.append(i)
                i += 1


def _long_piece(folded: str, found: list[re.Match[str]], seps: list[str], piece: list[int], start: int | None,
                end: int | None) -> Iterator[tuple[int, int]]:
    groups = [found[i].group() for i in piece]
    digits = "".join(groups)
    if len(digits) < MIN_LONG_DIGITS or _all_decimal(groups, seps[piece[0]:piece[-1]]):
        return
    begin = found[piece[0]].start() if start is None else start
    if not _excused(folded, begin, found[piece[-1]].end(), digits):
        yield begin, found[piece[-1]].end() if end is None else end


def _contact_spans(folded: str) -> Iterator[tuple[int, int]]:
    yield from (m.span() for m in _EMAIL.finditer(folded))
    yield from (m.span(1) for m in _QQ.finditer(folded))
    yield from (m.span(m.lastindex or 0) for m in _WECHAT.finditer(folded))
    yield from _number_spans(folded)


def _masked(text: str, spans: Iterable[tuple[int, int]]) -> str:
    """`text` with every span (merged where they overlap or touch) replaced by one MASK."""
    out: list[str] = []
    done = 0
    for start, end in sorted(spans):
        if out and start <= done:  # overlaps or touches the last mask
            done = max(done, end)
        else:
            out += [text[done:start], MASK]
            done = end
    out.append(text[done:])
    return "".join(out)


def mask_contacts(text: str) -> str:
    """`text` with phone numbers, e-mail addresses, ID-card numbers, QQ and WeChat ids replaced by ***."""
    return _masked(text, _contact_spans(fold(text)))


def _name_patterns(name: str) -> list[re.Pattern[str]]:
    """Patterns for the reporter's name with any separators between its characters, also in reversed order."""
    core = _HONORIFIC.sub("", fold(name).strip()).strip()
    parts = [part for part in _NAME_PARTS.split(core) if part]
    if len("".join(parts)) < MIN_NAME_CHARS:
        return []
    orders = [parts] if len(parts) < 2 else [parts, parts[::-1]]
    latin = core.isascii()
    patterns = []
    for order in orders:
        body = _NAME_GAP.join(re.escape(ch) for ch in "".join(order))
        patterns.append(re.compile(rf"(?<![A-Za-z]){body}(?![A-Za-z])" if latin else body, re.I))
    return patterns


def _phone_spans(folded: str, phone: str) -> Iterator[tuple[int, int]]:
    """Runs whose digits are the reporter's phone, with or without country prefix or area code."""
    wanted = "".join(_DIGITS.findall(fold(phone)))
    if len(wanted) < MIN_PHONE_CHARS:
        return
    for run in _RUN.finditer(folded):
        if run.end() - run.start() < min(len(wanted), MIN_LONG_DIGITS):
            continue
        digits = "".join(_DIGITS.findall(run.group()))
        long_enough = min(len(wanted), len(digits)) >= MIN_LONG_DIGITS
        if digits == wanted or (long_enough and (digits.endswith(wanted) or wanted.endswith(digits))):
            yield run.span()


def public_description(text: str, reporter_name: str | None, reporter_phone: str | None) -> str:
    """A description fit for the public: the reporter's own name and phone and any contact masked."""
    folded = fold(text)
    spans = list(_contact_spans(folded))
    if reporter_phone and len(reporter_phone.strip()) >= MIN_PHONE_CHARS:
        spans += _phone_spans(folded, reporter_phone)
        spans += [m.span() for m in re.finditer(re.escape(reporter_phone.strip()), text)]
    if reporter_name and len(reporter_name.strip()) >= MIN_NAME_CHARS:
        for pattern in _name_patterns(reporter_name):
            spans += [m.span() for m in pattern.finditer(folded)]
    return _masked(text, spans)
