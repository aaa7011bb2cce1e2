"""Masking of contacts in public descriptions: hostile formats masked, ordinary numbers left alone (no database)."""

from __future__ import annotations

import random
import re
import unicodedata

import pytest

from geo.incidents.privacy import MASK, mask_contacts, public_description

_NUMERALS = dict(zip("〇零一二三四五六七八九幺壹贰叁肆伍陆柒捌玖", "00123456789" "1123456789", strict=True))
FILLERS = ("小区门口垃圾堆积", "请尽快派人处理", "联系人在家", "路灯不亮", "井盖缺失，很危险", "下水道堵塞",
           "居民反映噪音扰民", "有事可以找我", "谢谢", "麻烦了", "楼道里堆放杂物", "停车位被占")


def squash(text: str) -> str:
    """Letters, digits and CJK of `text` only, lower case, full-width and Chinese numerals folded (test's own)."""
    folded = "".join(_NUMERALS.get(ch, ch) for ch in unicodedata.normalize("NFKC", text)).lower()
    return re.sub(r"[^0-9a-z\u3400-\u9fff]", "", folded)


def leaked(out: str, secret: str) -> bool:
    """Whether any five consecutive characters of the secret (all of it, if shorter) survive in `out`."""
    plain, seen = squash(secret), squash(out)
    width = min(5, len(plain))
    return any(plain[i:i + width] in seen for i in range(len(plain) - width + 1))


# before, the part to be masked, after, its plain form, the reporter's name and phone (if public_description)
HOSTILE = [
    ("电话", "13845678901", "请回电", "13845678901", None, None),
    ("电话", "138-4567-8901", "请回电", "13845678901", None, None),
    ("电话：", "135.4567.8901", "。", "13545678901", None, None),
    ("手机", "１３８４５６７８９０１", "，谢谢", "13845678901", None, None),
    ("打", "138一2345一6789", "找我", "13823456789", None, None),
    ("号码", "138 4567 8901", "。", "13845678901", None, None),
    ("联系", "+86 138 4567 8901", "。", "13845678901", None, None),
    ("手机", "一三八四五六七八九零一", "，谢谢", "13845678901", None, None),
    ("电话", "0086-138-4567-8901", "。", "13845678901", None, None),
    ("电话", "86 13845678901", "。", "13845678901", None, None),
    ("电话", "138—4567—8901", "。", "13845678901", None, None),
    ("电话", "138·4567·8901", "。", "13845678901", None, None),
    ("电话", "138_4567_8901", "。", "13845678901", None, None),
    ("电话", "138/4567/8901", "。", "13845678901", None, None),
    ("电话", "１３８－４５６７－８９０１", "。", "13845678901", None, None),
    ("电话", "幺三八 四五六七 八九零幺", "。", "13845678901", None, None),
    ("电话", "壹叁捌肆伍陆柒捌玖零壹", "。", "13845678901", None, None),
    ("电话", "138\u30004567\u30008901", "。", "13845678901", None, None),
    ("电话", "138 - 4567 - 8901", "。", "13845678901", None, None),
    ("电话", "138.45678901", "。", "13845678901", None, None),
    ("座机", "03552023457", "。", "03552023457", None, None),
    ("座机", "0355 2023458", "。", "03552023458", None, None),
    ("座机", "(0355)2023459", "。", "03552023459", None, None),
    ("座机", "（0355）2023459", "。", "03552023459", None, None),
    ("座机", "0355-2023456", "。", "03552023456", None, None),
    ("座机", "010-12345678", "。", "01012345678", None, None),
    ("座机", "〇三五五-二〇二三四五六", "。", "03552023456", None, None),
    ("电话", "2023456", "请回电", "2023456", None, None),
    ("座机 ", "202 3456", "。", "2023456", None, None),
    ("身份证", "1404 0219 9001 0112 34", "请核实", "140402199001011234", None, None),
    ("身份证", "140402 19900101 1234", "请核实", "140402199001011234", None, None),
    ("身份证号：", "14040219900101123X", "。", "14040219900101123x", None, None),
    ("身份证", "140402-1990-01-01-123x", "。", "14040219900101123x", None, None),
    ("老身份证", "140402900101123", "。", "140402900101123", None, None),
    ("身份证", "１４０４０２１９９００１０１１２３Ｘ", "。", "14040219900101123x", None, None),
    ("邮箱", "wxm＠example.com", "请回复", "wxm@example.com", None, None),
    ("邮箱", "wxm@example.com", "请回复", "wxm@example.com", None, None),
    ("邮箱", "wxm @ example . com", "请回复", "wxm@example.com", None, None),
    ("邮箱", "zhang.san(at)example(dot)com", "。", "zhang.san@example.com", None, None),
    ("邮箱", "ＷＸＭ＠ＥＸＡＭＰＬＥ．ＣＯＭ", "。", "wxm@example.com", None, None),
    ("QQ：", "123456789", "联系", "123456789", None, None),
    ("qq号 ", "12345678", "联系", "12345678", None, None),
    ("ＱＱ：", "１２３４５６", "。", "123456", None, None),
    ("扣扣 ", "87654", "。", "87654", None, None),
    ("微信：", "wxid_abc123", "联系", "wxid_abc123", None, None),
    ("vx: ", "zhang_san88", "联系", "zhang_san88", None, None),
    ("微信号是", "Zhang_San_1990", "。", "zhang_san_1990", None, None),
    ("ＷＸ：", "lisi_2024", "。", "lisi_2024", None, None),
    ("加我", "wxid_k2j3h4", "。", "wxid_k2j3h4", None, None),
    ("退款到", "6222 0212 3456 7890 123", "。", "6222021234567890123", None, None),
    ("卡号", "6222021234567890", "。", "6222021234567890", None, None),
    ("2026-12-05 ", "13845678901", "来电", "13845678901", None, None),
    ("电话", "138 4567 8901", " 3号楼", "13845678901", None, None),
    ("电话", "+86 138-4567-8901", " 2单元", "13845678901", None, None),
    ("我是", "张 三", "，路灯坏了", "张三", "张三", None),
    ("我是", "张-三", "，路灯坏了", "张三", "张三", None),
    ("我是", "张\u3000三", "，路灯坏了", "张三", "张三", None),
    ("我是", "张三", "，路灯坏了", "张三", "张三（业主）", None),
    ("我是", "欧阳 娜娜", "，路灯坏了", "欧阳娜娜", "欧阳娜娜", None),
    ("我是", "王五", "，路灯坏了", "王五", "王 五", None),
    ("I am ", "Smith John", "，路灯坏了", "smithjohn", "John Smith", None),
    ("拨", "8765 4321", "找我", "87654321", None, "010-8765-4321"),
    ("拨", "95566", "找我", "95566", None, "95566"),
]


@pytest.mark.parametrize(("before", "secret", "after", "plain", "name", "phone"), HOSTILE)
def test_hostile_formats_are_masked(before: str, secret: str, after: str, plain: str, name: str | None,
                                    phone: str | None) -> None:
    text = before + secret + after
    out = public_description(text, name, phone) if name or phone else mask_contacts(text)
    assert out == before + MASK + after
    assert MASK in out and not leaked(out, plain)


INNOCENT = [
    "2026-12-05上午发现", "2026年12月5日下午", "时间14:30左右", "2026-12-05 14:30到现场", "3号楼2单元501室",
    "英雄中路1号院12号楼3单元1202室", "交了50元", "工程款1500000元", "第3网格", "坐标113.11, 36.18",
    "位置113.112355 36.180603", "2026年", "2020-2026年", "2026.12.05-2026.12.31", "12345热线转来", "拨打110报警",
    "面积120.5平方米", "20261205巡查", "05/12/2026检查", "一楼大厅", "三三两两", "十一月", "星期一至星期五",
    "人口1,234,567人", "第1、2、3栋", "微信群里说的", "QQ群里说的", "温度-5.5度", "8:00-18:00营业", "共300-500人",
]


@pytest.mark.parametrize("text", INNOCENT)
def test_innocent_text_is_unchanged(text: str) -> None:
    assert mask_contacts(text) == text
    assert public_description(text, "张三", "13845678901") == text


def test_the_open311_example_and_idempotence() -> None:
    text = "我是王五，电话19900000001，备用199-0000-0001，邮箱wangwu@example.com，垃圾没人收"
    out = public_description(text, "王五", "199-0000-0001")
    assert out == "我是***，电话***，备用***，邮箱***，垃圾没人收"
    assert mask_contacts(out) == out and public_description(out, "王五", "199-0000-0001") == out
    assert mask_contacts("座机0355 2023456 13845678901") == "座机*** ***"
    assert mask_contacts("") == "" and public_description("", None, None) == ""


def test_short_names_and_phones_are_not_masked() -> None:
    assert public_description("张家的路灯坏了", "张", "110") == "张家的路灯坏了"


def _full_width(text: str, rng: random.Random, chance: float) -> str:
    def wide(ch: str) -> str:
        if ch == " ":
            return "\u3000"
        return chr(ord(ch) + 0xFEE0) if "!" <= ch <= "~" else ch
    return "".join(wide(ch) if rng.random() < chance else ch for ch in text)


def _spell(digits: str, sizes: list[int], rng: random.Random) -> str:
    """Digits grouped by `sizes` with one random separator, some digits as Chinese numerals or full width."""
    sep = rng.choice(["", " ", "-", ".", "·", "—", "–", "_", "/", "一", "\u3000", "－", "．", " - "])
    groups, at = [], 0
    for size in sizes:
        groups.append(digits[at:at + size])
        at += size
    text = sep.join(group for group in groups if group)
    chinese = rng.choice(["〇一二三四五六七八九", "零一二三四五六七八九", "零壹贰叁肆伍陆柒捌玖"])
    if rng.random() < 0.2:
        text = "".join(chinese[int(ch)] if ch.isdigit() else ch for ch in text)
    return _full_width(text, rng, rng.choice([0, 0, 0.5, 1]))


def _secret(rng: random.Random) -> tuple[str, str]:
    """A randomly formatted phone, landline, ID number or e-mail address, and its plain form."""
    kind = rng.choice(["mobile", "landline", "id", "email"])
    digits = lambda n: "".join(rng.choice("0123456789") for _ in range(n))  # noqa: E731
    if kind == "mobile":
        plain = "1" + rng.choice("3456789") + digits(9)
        prefix = rng.choice(["", "", "+86 ", "86-", "0086 ", "+86"])
        return _full_width(prefix, rng, 0.3) + _spell(plain, rng.choice([[11], [3, 4, 4], [3, 8], [4, 4, 3]]), rng), plain
    if kind == "landline":
        area, local = rng.choice(["010", "021", "0351", "0355", "0755"]), rng.choice("2345678") + digits(rng.choice([6, 7]))
        if rng.random() < 0.3:
            return _full_width(f"({area})", rng, 0.5) + _spell(local, [len(local)], rng), area + local
        return _spell(area + local, rng.choice([[len(area), len(local)], [20]]), rng), area + local
    if kind == "id":
        birth = f"{rng.randint(1930, 2020)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        plain = digits(6) + birth + digits(3) + rng.choice("0123456789X")
        return _spell(plain, rng.choice([[18], [6, 8, 4], [4, 4, 4, 4, 2], [3, 3, 4, 4, 4]]), rng), plain
    local = rng.choice("abcdefghijklmnopqrstuvwxyz") + "".join(rng.choice("abcdefghijk0123456789._") for _ in range(6))
    domain = rng.choice(["example.com", "qq.com", "163.com", "mail.example.cn"])
    plain = f"{local.rstrip('._')}@{domain}"
    at = rng.choice(["@", "＠", " @ "])
    return _full_width(plain.replace("@", at), rng, rng.choice([0, 0.5, 1])), plain


def test_random_compositions_are_masked() -> None:
    rng = random.Random(20261205)
    for _ in range(500):
        before = "，".join(rng.sample(FILLERS, rng.randint(0, 3))) + rng.choice(["", "，电话", "：", "，联系方式 "])
        after = rng.choice(["", "，", "。"]) + "，".join(rng.sample(FILLERS, rng.randint(1, 3)))
        secret, plain = _secret(rng)
        out = mask_contacts(before + secret + after)
        assert MASK in out and not leaked(out, plain), (before + secret + after, out)
        assert out.startswith(before) and out.endswith(after), (before + secret + after, out)
        named = public_description(f"我是张 三，{before}{secret}{after}", "张三", None)
        assert not leaked(named, plain) and not leaked(named, "张三"), named
