"""Synthetic Chinese names: people, compounds (小区), lanes, roads and institutions."""

from __future__ import annotations

import numpy as np

# Surnames roughly in order of frequency (with a few common in southeast Shanxi: 申, 牛, 暴, 靳, 原, 栗).
SURNAMES = tuple(
    "王李张刘陈杨赵郭黄周吴徐孙胡朱高林何马罗梁宋郑谢韩唐冯于董程曹袁邓许傅沈曾彭吕苏卢蒋蔡"
    "贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段"
    "钱汤尹黎易常武乔贺赖龚文申牛暴靳原栗晋"
)
# Zipf-like weights: weight of the surname at rank r is 1 / (r + SURNAME_RANK_OFFSET).
SURNAME_RANK_OFFSET = 6
GIVEN_NAME_CHARS = tuple(
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂英华建国志红玉梅文俊鹏飞辉鑫宇浩然晨曦欣怡"
    "涵轩佳琪雨萱思远晓东海燕春利民秀云凤亮波斌宏峰丹婷雪琳慧颖倩瑞祥福贵荣昌德兴旺林森"
)
TWO_CHAR_GIVEN_SHARE = 0.7

# Syllables for residential compounds, e.g. "紫金苑", "太行花园", "漳泽新城".
PLACE_PREFIXES = (
    "紫金", "太行", "漳泽", "上党", "潞安", "英雄", "长兴", "华府", "金域", "御景", "锦绣", "天脊",
    "翠微", "康庄", "和顺", "瑞祥", "泰和", "凤凰", "百合", "华苑", "阳光", "望湖", "龙湖", "盛世",
    "海德", "怡景", "世纪", "东方", "新星", "明珠", "银河", "丽都", "清华", "安居", "振兴", "文苑",
    "书香", "惠丰", "澳瑞", "八一", "老顶", "潞河", "壶关", "黎都", "丹朱", "伏牛", "南垂", "堠北",
)
COMPOUND_SUFFIXES = (
    "苑", "花园", "新城", "家园", "小区", "佳苑", "雅居", "华庭", "公馆", "名都", "丽景", "嘉园",
    "府", "城", "湾", "尚城", "名苑", "新村",
)
COMMERCIAL_SUFFIXES = ("商业广场", "购物中心", "商业街", "国际广场", "时代广场")
SCHOOL_SUFFIXES = ("小学", "中学", "实验学校", "第二小学")
HOSPITAL_SUFFIXES = ("医院", "中医院", "妇幼保健院", "康复医院")
SPORTS_SUFFIXES = ("体育中心", "全民健身中心", "体育公园")
PARK_SUFFIXES = ("公园", "广场", "游园", "植物园")
GOVERNMENT_NAMES = (
    "潞州区政务服务中心", "潞州区人民法院", "潞州区税务局", "潞州区市场监督管理局", "潞州区教育局",
    "潞州区住房和城乡建设局", "潞州区公安分局", "潞州区民政局", "潞州区卫生健康局", "潞州区城市管理局",
)
GOVERNMENT_FALLBACK_SUFFIX = "机关大院"

# Old-town lanes: names in the style of Changzhi's historic centre, then "X家巷".
OLD_LANES = (
    "东关街", "城隍庙街", "县前巷", "蔡家巷", "府后街", "上党门街", "西关街", "南头街", "莲花池巷",
    "仓巷", "米市街", "炉坊巷", "牛市巷", "北门街", "马号巷", "大北街", "小北街", "西大街",
    "东大街", "南大街", "北大街", "参府街", "演武街", "药王庙巷", "书院街", "府坡街", "鼓楼街",
    "钟楼巷", "察院街", "火神庙巷", "梅辉坡街", "瓦窑沟巷",
)
LANE_SUFFIX = "家巷"
MARKET_SUFFIXES = ("农贸市场", "菜市场", "早市", "小商品市场", "夜市")

# Arterial roads: east-west ones north to south, north-south ones west to east.
EAST_WEST_ROADS = ("北环", "漳泽", "府后", "太行", "紫金", "解放", "城南", "南环", "振兴", "迎宾")
NORTH_SOUTH_ROADS = ("西环", "城西", "延安", "府前", "英雄", "长兴", "八一", "五一", "滨河", "东环")

CHINESE_DIGITS = "零一二三四五六七八九"


def chinese_numeral(n: int) -> str:
    """Write 1 ≤ n ≤ 99 in Chinese numerals (e.g. 12 → "十二")."""
    tens, ones = divmod(n, 10)
    if tens == 0:
        return CHINESE_DIGITS[ones]
    head = "" if tens == 1 else CHINESE_DIGITS[tens]
    return head + "十" + ("" if ones == 0 else CHINESE_DIGITS[ones])


def person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Draw `n` synthetic full names (surname + one or two given-name characters)."""
    weights = 1.0 / (np.arange(len(SURNAMES)) + SURNAME_RANK_OFFSET)
    surnames = rng.choice(len(SURNAMES), size=n, p=weights / weights.sum())
    first = rng.integers(0, len(GIVEN_NAME_CHARS), size=n)
    second = rng.integers(0, len(GIVEN_NAME_CHARS), size=n)
    two_chars = rng.random(n) < TWO_CHAR_GIVEN_SHARE
    return [
        SURNAMES[s] + GIVEN_NAME_CHARS[a] + (GIVEN_NAME_CHARS[b] if two else "")
        for s, a, b, two in zip(surnames, first, second, two_chars, strict=True)
    ]


def distinct_person_names(rng: np.random.Generator, n: int) -> list[str]:
    """Draw `n` synthetic full names that are pairwise different."""
    names: list[str] = []
    seen: set[str] = set()
    while len(names) < n:
        for name in person_names(rng, n - len(names)):
            if name not in seen:
                seen.add(name)
                names.append(name)
    return names


def combined_names(rng: np.random.Generator, prefixes: tuple[str, ...], suffixes: tuple[str, ...],
                   n: int, *, head: str = "", taken: set[str] | None = None) -> list[str]:
    """Draw `n` distinct names head + prefix + suffix, skipping (and extending) `taken`.

    Raises ValueError when the syllable lists cannot make enough distinct names.
    """
    taken = set() if taken is None else taken
    pairs = [(p, s) for p in prefixes for s in suffixes if p[-1] != s[0]]  # no "华苑苑"
    order = rng.permutation(len(pairs))
    names: list[str] = []
    for k in order:
        if len(names) == n:
            break
        name = head + pairs[k][0] + pairs[k][1]
        if name not in taken:
            taken.add(name)
            names.append(name)
    if len(names) < n:
        raise ValueError(f"只能生成{len(names)}个不重复的名称，需要{n}个")
    return names


def lane_names(rng: np.random.Generator, n: int) -> list[str]:
    """Draw `n` distinct old-town lane names: historic-style ones first, then "X家巷"."""
    extra = [s + LANE_SUFFIX for s in SURNAMES if s + LANE_SUFFIX not in OLD_LANES]
    pool = list(OLD_LANES) + [extra[k] for k in rng.permutation(len(extra))]
    if n > len(pool):
        raise ValueError(f"老城区街巷名称不足：需要{n}个，只有{len(pool)}个")
    head = [OLD_LANES[k] for k in rng.permutation(len(OLD_LANES))]
    return (head + pool[len(OLD_LANES):])[:n]


def dedupe(names: list[str], pattern: str = "{name}（{k}）") -> list[str]:
    """Make names unique: the k-th repeat (k ≥ 2) becomes `pattern` filled with name and k."""
    counts: dict[str, int] = {}
    out = []
    for name in names:
        counts[name] = counts.get(name, 0) + 1
        out.append(name if counts[name] == 1 else pattern.format(name=name, k=counts[name]))
    return out
