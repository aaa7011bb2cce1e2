"""Shared request types: text without NUL, finite numbers only, times of day and dates within range.

Every body model derives from StrictBody and every text field is `Text`, so each root cause of
a 500 from input (NUL bytes PostgreSQL cannot store, NaN and Infinity, times with zones, dates
near year 1 or 9999) is refused once, here, with a 422 that names the field.
"""

from __future__ import annotations

import datetime as dt
from typing import Annotated

from fastapi import Query
from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict

from geo import clock


def _no_nul(value: str) -> str:
    if "\x00" in value:
        raise ValueError("文本不能含 NUL 字符（\\u0000）")
    return value


def _time_of_day(value: object) -> object:
    return clock.time_of_day(value) if isinstance(value, str) else value


def _in_years(value: dt.date) -> dt.date:
    clock.check_year(value)
    return value


def _aware(value: dt.datetime) -> dt.datetime:
    if value.tzinfo is None:
        raise ValueError("时间须带时区，如 2026-01-01T08:00:00+08:00")
    clock.check_year(value)
    return value


Text = Annotated[str, AfterValidator(_no_nul)]
TimeOfDay = Annotated[dt.time, BeforeValidator(_time_of_day)]
Day = Annotated[dt.date, AfterValidator(_in_years)]
Moment = Annotated[dt.datetime, AfterValidator(_aware)]
AtTime = Annotated[TimeOfDay | None, Query(description="时刻（HH:MM，可带时区），只计此时开放的驿站；不填则不限时段")]


class StrictBody(BaseModel):
    """Base of request bodies: NaN and ±Infinity are refused."""

    model_config = ConfigDict(allow_inf_nan=False)


Kind = Annotated[Text, Query(max_length=50, description="驿站类型，“全部”为任意类型")]
Code = Annotated[Text, Query(max_length=100, description="编码")]
