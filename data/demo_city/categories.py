"""Responsibility list (职责清单) of incident categories, with their seasons and description templates.

Time limits follow the Beijing draft: emergencies 2 h, water/power/gas/heating 24 h, urban
management 72 h, general matters 168 h (7 days), complex ones 360 h (15 days).
"""

from __future__ import annotations

from dataclasses import dataclass

import pandas as pd

HANDLING_TYPES = ("即办件", "承诺件", "上报件", "协办件", "告知件")

# Monthly multipliers, January to December.
SEASONS: dict[str, tuple[float, ...]] = {
    "flat": (1.0,) * 12,
    "heating": (4.0, 3.0, 2.0, 0.3, 0.05, 0.05, 0.05, 0.05, 0.1, 0.6, 3.5, 4.5),
    "summer": (0.6, 0.6, 0.8, 1.0, 1.3, 1.7, 1.9, 1.8, 1.3, 1.0, 0.7, 0.6),
    "rainy": (0.4, 0.4, 0.6, 0.8, 1.0, 1.6, 2.6, 2.4, 1.3, 0.8, 0.5, 0.4),
    "dark": (2.0, 1.6, 1.0, 0.7, 0.5, 0.5, 0.5, 0.5, 0.6, 0.8, 1.4, 2.0),
    "snow": (3.0, 2.0, 0.6, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.0, 0.8, 2.5),
    "mild": (0.7, 0.7, 1.1, 1.3, 1.3, 1.2, 1.1, 1.1, 1.2, 1.2, 0.9, 0.7),
    "year_end": (2.5, 2.0, 0.8, 0.7, 0.7, 0.7, 0.7, 0.7, 0.7, 0.8, 1.2, 2.2),
}
# Relative call volume by hour of day, 0–23.
HOURS: dict[str, tuple[float, ...]] = {
    "office": (0.2, 0.1, 0.1, 0.1, 0.1, 0.2, 0.5, 1.2, 2.2, 2.8, 2.8, 2.4,
               1.6, 1.5, 2.2, 2.5, 2.4, 2.0, 1.5, 1.3, 1.2, 1.0, 0.7, 0.4),
    "evening": (1.2, 0.6, 0.3, 0.1, 0.1, 0.1, 0.3, 0.6, 0.8, 0.9, 1.0, 1.0,
                1.2, 1.3, 1.0, 1.0, 1.0, 1.2, 1.6, 2.2, 2.8, 3.0, 2.8, 2.0),
    "allday": (0.6, 0.5, 0.4, 0.4, 0.4, 0.5, 0.8, 1.2, 1.5, 1.6, 1.6, 1.5,
               1.3, 1.3, 1.4, 1.5, 1.5, 1.5, 1.5, 1.4, 1.3, 1.1, 0.9, 0.7),
    "morning": (0.1, 0.1, 0.1, 0.1, 0.3, 1.0, 2.5, 3.0, 2.8, 2.2, 1.6, 1.2,
                1.0, 1.0, 1.1, 1.2, 1.5, 2.0, 2.0, 1.5, 1.0, 0.6, 0.3, 0.2),
}
# Relative volume Monday to Sunday.
WEEKDAYS: dict[str, tuple[float, ...]] = {
    "workday": (1.1, 1.05, 1.0, 1.0, 0.95, 0.8, 0.75),
    "weekend": (0.9, 0.9, 0.9, 0.95, 1.1, 1.25, 1.2),
}


@dataclass(frozen=True)
class Category:
    """One entry of the responsibility list and how its incidents are simulated.

    `weight` is the category's share of the annual volume (relative); `where` weighs the
    location sources (near homes, near markets, along roads); `towers_only` restricts homes
    to high-rise buildings (11 floors and more); `partners` are the departments a 协办件 may
    be co-handled with (each the department of another category).
    """

    code: str
    name: str
    department: str
    handling_type: str
    time_limit_hours: int
    weight: float
    season: str
    hours: str
    where: tuple[float, float, float]
    templates: tuple[str, ...]
    weekdays: str = "workday"
    towers_only: bool = False
    partners: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        if self.handling_type not in HANDLING_TYPES:
            raise ValueError(f"{self.name}: unknown handling type {self.handling_type}")
        if (self.handling_type == "协办件") != bool(self.partners) or self.department in self.partners:
            raise ValueError(f"{self.name}: a 协办件, and only a 协办件, names partner departments besides its own")


HOME, MARKET, ROAD = (1.0, 0.0, 0.0), (0.2, 0.6, 0.2), (0.1, 0.0, 0.9)
CATEGORIES: tuple[Category, ...] = (
    Category("CAT01", "占道经营", "城市管理局", "承诺件", 72, 7.0, "mild", "morning", MARKET,
             ("{place}附近有商贩占道经营，影响行人通行", "{place}门口流动摊贩占用人行道，请求处理",
              "{place}周边早市摊位堵塞道路，车辆无法通行")),
    Category("CAT02", "噪声扰民", "公安分局", "承诺件", 72, 9.0, "summer", "evening", (0.7, 0.2, 0.1),
             ("{place}楼下广场舞音响声音过大，影响休息", "{place}附近夜间施工噪声扰民",
              "{place}商铺高音喇叭循环播放，噪声扰民"), weekdays="weekend"),
    Category("CAT03", "垃圾清运", "环境卫生服务中心", "承诺件", 72, 7.0, "summer", "office", (0.7, 0.2, 0.1),
             ("{place}垃圾桶已满多日无人清运，气味难闻", "{place}附近建筑垃圾堆放未及时清运")),
    Category("CAT04", "路灯损坏", "城市照明管理处", "承诺件", 72, 4.0, "dark", "evening", ROAD,
             ("{place}路段多盏路灯不亮，夜间出行不便", "{place}路灯白天常亮，浪费电")),
    Category("CAT05", "井盖缺失", "市政设施管理处", "即办件", 2, 2.0, "flat", "allday", ROAD,
             ("{place}路面井盖缺失，存在安全隐患", "{place}井盖破损下陷，请尽快处理")),
    Category("CAT06", "供水停水", "供水公司", "承诺件", 24, 6.0, "summer", "office", HOME,
             ("{place}突然停水，未见停水通知", "{place}水压不足，高层用户无法正常用水", "{place}自来水发黄浑浊")),
    Category("CAT07", "供暖不热", "供热公司", "承诺件", 24, 12.0, "heating", "office", HOME,
             ("{place}暖气不热，室温不足16℃", "{place}暖气管道漏水，请求维修", "{place}供暖开始后仍未来暖")),
    Category("CAT08", "供电故障", "供电公司", "承诺件", 24, 3.0, "summer", "allday", HOME,
             ("{place}整栋楼停电，原因不明", "{place}电压不稳，电器频繁跳闸")),
    Category("CAT09", "燃气泄漏", "燃气公司", "即办件", 2, 1.0, "dark", "allday", HOME,
             ("{place}楼道内有明显燃气味，疑似泄漏", "{place}燃气表附近有异味")),
    Category("CAT10", "物业纠纷", "住房和城乡建设局", "协办件", 168, 8.0, "flat", "office", HOME,
             ("{place}物业服务不到位，小区卫生差", "{place}物业擅自提高收费标准", "{place}物业未按约定维修公共设施"),
             partners=("社区居委会", "市场监督管理局", "城市管理局", "环境卫生服务中心")),
    Category("CAT11", "邻里纠纷", "社区居委会", "协办件", 168, 4.0, "flat", "office", HOME,
             ("{place}楼上住户漏水，协商未果", "{place}邻居在楼道堆放杂物，协商不成"),
             partners=("住房和城乡建设局", "公安分局", "综合行政执法局", "供水公司")),
    Category("CAT12", "违章建筑", "综合行政执法局", "上报件", 360, 3.0, "mild", "office", (0.9, 0.0, 0.1),
             ("{place}有住户私自搭建阳光房", "{place}楼顶违规加盖建筑")),
    Category("CAT13", "养老服务", "民政局", "告知件", 168, 3.0, "flat", "office", HOME,
             ("{place}老人咨询居家养老服务补贴申请", "{place}独居老人希望社区提供助餐服务")),
    Category("CAT14", "道路破损", "市政设施管理处", "承诺件", 168, 3.0, "mild", "office", ROAD,
             ("{place}路面坑洼不平，雨天积水", "{place}人行道地砖松动破损")),
    Category("CAT15", "下水道堵塞", "排水管理处", "承诺件", 24, 4.0, "rainy", "allday", (0.6, 0.0, 0.4),
             ("{place}下水道堵塞，污水外溢", "{place}雨后路面积水严重，排水不畅")),
    Category("CAT16", "绿化养护", "园林局", "承诺件", 168, 2.0, "mild", "office", (0.5, 0.0, 0.5),
             ("{place}树木枝杈遮挡窗户，请求修剪", "{place}绿化带枯死无人补种")),
    Category("CAT17", "乱停车", "公安交警大队", "承诺件", 72, 5.0, "flat", "office", (0.4, 0.2, 0.4),
             ("{place}门口车辆乱停，堵塞消防通道", "{place}路边长期停放僵尸车")),
    Category("CAT18", "共享单车乱放", "城市管理局", "承诺件", 72, 2.0, "summer", "office", (0.1, 0.3, 0.6),
             ("{place}共享单车堆积占用盲道", "{place}共享单车乱停乱放影响通行")),
    Category("CAT19", "电梯困人", "市场监督管理局", "即办件", 2, 1.0, "flat", "allday", HOME,
             ("{place}电梯故障，有人被困", "{place}电梯运行异响，停在两层之间"), towers_only=True),
    Category("CAT20", "油烟污染", "生态环境局", "承诺件", 168, 2.0, "summer", "evening", (0.4, 0.6, 0.0),
             ("{place}楼下餐馆油烟直排，影响住户", "{place}烧烤摊油烟扰民")),
    Category("CAT21", "流浪犬只", "公安分局", "承诺件", 72, 2.0, "flat", "office", (0.6, 0.1, 0.3),
             ("{place}附近有流浪犬聚集，存在伤人隐患",)),
    Category("CAT22", "拖欠工资", "人力资源和社会保障局", "上报件", 360, 2.0, "year_end", "office", (0.5, 0.5, 0.0),
             ("{place}附近工地拖欠农民工工资", "{place}商铺拖欠员工工资两个月")),
    Category("CAT23", "政策咨询", "政务服务中心", "告知件", 168, 4.0, "flat", "office", HOME,
             ("{place}居民咨询医保缴费政策", "{place}居民咨询户籍迁移办理流程")),
    Category("CAT24", "冰雪清除", "城市管理局", "承诺件", 24, 1.5, "snow", "morning", (0.2, 0.0, 0.8),
             ("{place}路面积雪结冰未清理，行人易滑倒", "{place}人行道积雪无人清扫")),
)


DEPARTMENTS = frozenset(c.department for c in CATEGORIES)
if not all(set(c.partners) <= DEPARTMENTS for c in CATEGORIES):
    raise ValueError("partner departments must be departments of the responsibility list")


def categories_table() -> pd.DataFrame:
    """The responsibility list as written to categories.csv."""
    return pd.DataFrame({
        "code": [c.code for c in CATEGORIES],
        "name": [c.name for c in CATEGORIES],
        "department": [c.department for c in CATEGORIES],
        "handling_type": [c.handling_type for c in CATEGORIES],
        "time_limit_hours": [c.time_limit_hours for c in CATEGORIES],
    })
