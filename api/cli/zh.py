"""argparse in Chinese: help with defaults and examples, option values checked with Chinese errors."""

from __future__ import annotations

import argparse
import datetime as dt
import re
import sys
from typing import NoReturn

from geo import clock
from geo.walking.access import ANY_KIND

# argparse's own English phrases, as they reach `error()`, and their Chinese.
_ERRORS = (
    (re.compile(r"the following arguments are required: (.+)"), r"缺少参数：\1"),
    (re.compile(r"unrecognized arguments: (.+)"), r"无法识别的参数：\1"),
    (re.compile(r"argument (\S+): invalid choice: '?([^']*)'? \(choose from (.+)\)"), r"参数 \1：无效的选择“\2”（可选：\3）"),
    (re.compile(r"argument (\S+): expected one argument"), r"参数 \1：需要一个值"),
    (re.compile(r"argument (\S+): not allowed with argument (\S+)"), r"参数 \1 与 \2 不能同时使用"),
    (re.compile(r"argument (\S+): (.+)"), r"参数 \1：\2"),
)


class Formatter(argparse.RawDescriptionHelpFormatter):
    """Keeps the examples' layout and shows each option's default."""

    def add_usage(self, usage, actions, groups, prefix=None) -> None:
        super().add_usage(usage, actions, groups, prefix="用法：" if prefix is None else prefix)

    def _get_help_string(self, action: argparse.Action) -> str:
        text = action.help or ""
        shown = action.default not in (None, False, argparse.SUPPRESS) and action.option_strings
        if shown and "默认" not in text:
            text += "（默认：%(default)s）"
        return text


class Parser(argparse.ArgumentParser):
    """An ArgumentParser whose help, usage and errors are in Chinese."""

    def __init__(self, *args, examples: tuple[str, ...] = (), **kwargs) -> None:
        if examples:
            kwargs["epilog"] = "示例：\n" + "\n".join(f"  {e}" for e in examples)
        super().__init__(*args, formatter_class=Formatter, add_help=False, **kwargs)
        self._positionals.title = "参数"
        self._optionals.title = "选项"
        self.add_argument("-h", "--help", action="help", help="显示本帮助并退出")

    def error(self, message: str) -> NoReturn:
        for pattern, chinese in _ERRORS:
            if pattern.fullmatch(message):
                message = pattern.sub(chinese, message)
                break
        self.print_usage(sys.stderr)
        self.exit(2, f"{self.prog}：错误：{message}\n")


def time_of_day(text: str) -> dt.time:
    """HH:MM (00:00–23:59, optionally with a zone), as the --at options take it (geo/clock.py)."""
    try:
        return clock.time_of_day(text)
    except ValueError as exc:
        raise argparse.ArgumentTypeError(str(exc)) from None


def positive(text: str) -> float:
    """A finite number greater than 0."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为数字，收到“{text}”") from None
    if not (value > 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"须为大于0的有限数，收到“{text}”")
    return value


def non_negative(text: str) -> float:
    """A finite number, 0 or more."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"须为数字，收到“{text}”") from None
    if not (value >= 0 and value < float("inf")):
        raise argparse.ArgumentTypeError(f"须为不小于0的有限数，收到“{text}”")
    return value


def count(text: str) -> int:
    """A whole number, 0 or more."""
    if not re.fullmatch(r"\d{1,9}", text.strip()):
        raise argparse.ArgumentTypeError(f"须为非负整数，收到“{text}”")
    return int(text)


def percent(text: str) -> float:
    """A share in per cent, above 0 and at most 100."""
    value = positive(text)
    if value > 100:
        raise argparse.ArgumentTypeError(f"须在0到100之间（百分比），收到“{text}”")
    return value


def kind_phrase(kind: str) -> str:
    """'a station of kind …' in Chinese, for any kind or one kind (never 城市驿站驿站)."""
    if kind == ANY_KIND:
        return "任一类型驿站"
    return kind if kind.endswith(("驿站", "中心", "服务站")) else f"{kind}驿站"
