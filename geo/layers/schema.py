"""The layers wangge stores: table, key, geometry kind and columns of each."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from geo.errors import NotFound

GeometryKind = Literal["polygon", "point", "line", "any"]
ColumnType = Literal["text", "int", "float", "bool", "time", "text[]", "timestamptz"]


@dataclass(frozen=True)
class Column:
    """One attribute column of a layer as users supply it in files."""

    name: str
    type: ColumnType = "text"
    required: bool = False
    label: str = ""
    choices: tuple[str, ...] = ()
    default: object = None
    stored: bool = True  # False: used while loading (e.g. grid_code), not a table column


@dataclass(frozen=True)
class Layer:
    """A stored layer. `key` identifies a feature across imports (upsert key)."""

    name: str
    label: str
    key: tuple[str, ...]
    geometry: GeometryKind | None
    columns: tuple[Column, ...]
    parent: tuple[str, str] | None = None  # (column, parent layer) checked for nesting
    public_columns: tuple[str, ...] = field(default=())

    @property
    def column_names(self) -> tuple[str, ...]:
        """Names of the attribute columns (not the geometry, not attrs)."""
        return tuple(c.name for c in self.columns)

    @property
    def stored_columns(self) -> tuple[str, ...]:
        """Attribute columns that are columns of the layer's table."""
        return tuple(c.name for c in self.columns if c.stored)

    def exported_columns(self) -> tuple[str, ...]:
        """Columns safe to publish: all, unless public_columns narrows them."""
        return self.public_columns or self.stored_columns


def _c(name: str, type: ColumnType = "text", required: bool = False, label: str = "",
       choices: tuple[str, ...] = (), default: object = None, stored: bool = True) -> Column:
    return Column(name, type, required, label, choices, default, stored)


# Controlled vocabularies; the database enforces the same lists.
STATION_KINDS = ("党群服务中心", "党群服务驿站", "城市驿站", "暖新驿站")
STATION_SERVICES = ("休息", "饮水", "如厕", "充电", "热饭", "阅读", "医疗", "维修", "政务", "托管")
STATION_STATUSES = ("existing", "planned")
GRID_SYSTEMS = ("综合网格", "党建网格", "城管网格")
DEFAULT_GRID_SYSTEM = "综合网格"
HANDLING_TYPES = ("即办件", "承诺件", "上报件", "协办件", "告知件")


LAYERS: dict[str, Layer] = {
    layer.name: layer
    for layer in (
        Layer("districts", "区县", ("code",), "polygon",
              (_c("code", required=True, label="区县编码"), _c("name", required=True, label="名称"))),
        Layer("streets", "街道", ("code",), "polygon",
              (_c("code", required=True, label="街道编码"), _c("name", required=True, label="名称"),
               _c("district_code", required=True, label="所属区县编码")),
              parent=("district_code", "districts")),
        Layer("communities", "社区", ("code",), "polygon",
              (_c("code", required=True, label="社区编码"), _c("name", required=True, label="名称"),
               _c("street_code", required=True, label="所属街道编码")),
              parent=("street_code", "streets")),
        Layer("grids", "网格", ("system", "code"), "polygon",
              (_c("code", required=True, label="网格编码"), _c("name", required=True, label="名称"),
               _c("community_code", required=True, label="所属社区编码"),
               _c("system", label="网格体系", choices=GRID_SYSTEMS, default=DEFAULT_GRID_SYSTEM),
               _c("kind", label="网格类型", default="居民小区"),
               _c("households", "int", label="户数", default=0),
               _c("residents", "int", label="人口", default=0),
               _c("leader", label="网格长"), _c("workers", "text[]", label="网格员", default=[]),
               _c("party_group", label="党小组")),
              parent=("community_code", "communities")),
        Layer("buildings", "楼栋", ("code",), "polygon",
              (_c("code", required=True, label="楼栋编码"), _c("name", label="名称"),
               _c("kind", label="类型", default="住宅"), _c("floors", "int", label="层数"),
               _c("households", "int", label="户数", default=0),
               _c("residents", "int", label="人口", default=0),
               _c("compound", label="小区"), _c("grid_code", label="所属网格编码", stored=False))),
        Layer("stations", "驿站", ("code",), "point",
              (_c("code", required=True, label="驿站编码"), _c("name", required=True, label="名称"),
               _c("kind", required=True, label="类型", choices=STATION_KINDS),
               _c("services", "text[]", label="服务", choices=STATION_SERVICES, default=[]),
               _c("opens", "time", label="开门时间"), _c("closes", "time", label="关门时间"),
               _c("is_24h", "bool", label="7×24小时", default=False),
               _c("status", label="状态", choices=STATION_STATUSES, default="existing"),
               _c("address", label="地址"))),
        Layer("candidates", "候选站址", ("code",), "point",
              (_c("code", required=True, label="站址编码"), _c("name", label="名称"),
               _c("kind", label="类型"), _c("floor_area_m2", "float", label="面积（平方米）"))),
        Layer("worker_hotspots", "新就业群体聚集点", ("code",), "point",
              (_c("code", required=True, label="聚集点编码"), _c("name", label="名称"),
               _c("kind", label="类型（外卖、快递、网约车）", default="外卖"),
               _c("workers", "int", required=True, label="通常在场人数"))),
        Layer("network_nodes", "步行路网节点", ("id",), "point",
              (_c("id", "int", required=True, label="节点编号"),)),
        Layer("network_edges", "步行路网", ("id",), "line",
              (_c("id", "int", label="路段编号"),
               _c("source", "int", label="起点节点"), _c("target", "int", label="终点节点"),
               _c("kind", label="类型", default="path"),
               _c("length_m", "float", label="长度（米），导入时按几何重算"))),
        Layer("barriers", "河流铁路等阻隔", ("code",), "any",
              (_c("code", required=True, label="编码"), _c("kind", required=True, label="类型"),
               _c("name", label="名称"))),
        Layer("categories", "职责清单（事项类别）", ("code",), None,
              (_c("code", required=True, label="类别编码"), _c("name", required=True, label="名称"),
               _c("department", required=True, label="责任部门"),
               _c("handling_type", required=True, label="办理类型", choices=HANDLING_TYPES),
               _c("time_limit_hours", "int", required=True, label="办理时限（小时）"))),
    )
}

# Order in which a folder of layer files is loaded: parents before children.
LOAD_ORDER: tuple[str, ...] = tuple(LAYERS)


def get_layer(name: str) -> Layer:
    """The layer called `name`; NotFound (listing the valid names) otherwise."""
    try:
        return LAYERS[name]
    except KeyError:
        raise NotFound(f"没有名为“{name}”的图层；可用图层：{', '.join(LAYERS)}") from None
