"""`wangge user add|list|disable|token|revoke|demo`: accounts from the command line."""

from __future__ import annotations

import argparse
import getpass
import os
import sys
from collections.abc import Callable

from api.cli.jobs import actor
from api.cli.output import FORMATS, emit
from api.cli.zh import count
from geo.accounts import credentials, users
from geo.accounts.roles import ROLE_LABELS, ROLES
from geo.db import connect
from geo.errors import BadRequest

USER_COLUMNS = (("username", "用户名"), ("display_name", "姓名"), ("role", "角色"), ("area_code", "辖区"),
                ("disabled", "已停用"), ("created_at", "创建时间"))
TOKEN_COLUMNS = (("id", "编号"), ("username", "用户名"), ("name", "用途"), ("created_at", "签发时间"),
                 ("expires_at", "到期时间"), ("revoked_at", "吊销时间"))


def add_commands(commands: argparse._SubParsersAction, url: Callable[[], str]) -> None:
    """Register `user` and its subcommands; `url` gives DATABASE_URL."""
    top = commands.add_parser("user", help="用户与令牌", description="用户、角色、辖区与 API 令牌",
                              examples=("wangge user add wang --role dispatcher --area 140403001",
                                        "wangge user token wang --days 30"))
    sub = top.add_subparsers(required=True, metavar="操作", parser_class=type(top))
    roles = "、".join(f"{r}（{ROLE_LABELS[r]}）" for r in ROLES)

    cmd = sub.add_parser("add", help="新增用户", description=f"新增用户。角色：{roles}",
                         examples=("wangge user add wang --role dispatcher --area 140403001 --name 王芳",))
    cmd.add_argument("username", help="用户名（字母、数字、_ . -）")
    cmd.add_argument("--role", required=True, choices=ROLES, help="角色")
    cmd.add_argument("--area", required=True, help="辖区编码：6位区县、9位街道、12位社区或15位网格")
    cmd.add_argument("--name", default="", help="姓名（显示用）")
    cmd.add_argument("--no-password", action="store_true", help="不设密码（只用令牌，如程序账户）")
    cmd.set_defaults(run=lambda a: _add(a, url()))

    cmd = sub.add_parser("list", help="列出用户", description="列出全部用户", examples=("wangge user list --format csv",))
    cmd.add_argument("--format", choices=FORMATS, default="table", help="输出格式")
    cmd.add_argument("--tokens", action="store_true", help="列出令牌（不含令牌本身）")
    cmd.set_defaults(run=lambda a: _list(a, url()))

    cmd = sub.add_parser("disable", help="停用用户", description="停用用户：其会话立即结束、令牌立即失效",
                         examples=("wangge user disable wang",))
    cmd.add_argument("username", help="用户名")
    cmd.set_defaults(run=lambda a: _disable(a, url()))

    cmd = sub.add_parser("token", help="签发 API 令牌", description="为用户签发 API 令牌（只显示这一次；库中只存其哈希）",
                         examples=("wangge user token wang --days 30 --purpose 12345对接",))
    cmd.add_argument("username", help="用户名")
    cmd.add_argument("--days", type=count, default=90, help="有效天数")
    cmd.add_argument("--purpose", default="", help="用途说明")
    cmd.set_defaults(run=lambda a: _token(a, url()))

    cmd = sub.add_parser("revoke", help="吊销 API 令牌", description="立即吊销令牌（编号见 wangge user list --tokens）",
                         examples=("wangge user revoke 3",))
    cmd.add_argument("token_id", type=count, help="令牌编号")
    cmd.set_defaults(run=lambda a: _revoke(a, url()))

    cmd = sub.add_parser("demo", help="创建演示账户（仅演示）", description="创建各角色的演示账户与令牌（密码与令牌公开，切勿用于生产）",
                         examples=("wangge user demo",))
    cmd.set_defaults(run=lambda a: _demo(url()))


def _password() -> str:
    """The new password: from WANGGE_NEW_PASSWORD (scripts) or typed twice (never an argument: it would be in ps)."""
    if os.environ.get("WANGGE_NEW_PASSWORD"):
        return os.environ["WANGGE_NEW_PASSWORD"]
    first = getpass.getpass("密码：")
    if getpass.getpass("再输一次：") != first:
        raise BadRequest("两次输入的密码不一致")
    return first


def _add(args: argparse.Namespace, url: str) -> int:
    password = None if args.no_password else _password()
    with connect(url) as conn:
        user = users.add(conn, args.username, args.role, args.area, actor=actor(), password=password,
                         display_name=args.name)
        conn.commit()
    print(f"已新增用户 {user.username}（{ROLE_LABELS[user.role]}，辖区 {user.area_code}）")
    return 0


def _list(args: argparse.Namespace, url: str) -> int:
    with connect(url) as conn:
        if args.tokens:
            _, rows = credentials.tokens_page(conn, limit=1_000_000, offset=0)
            emit(rows, TOKEN_COLUMNS, args.format)
        else:
            _, rows = users.page(conn, limit=1_000_000, offset=0)
            emit(rows, USER_COLUMNS, args.format)
    return 0


def _disable(args: argparse.Namespace, url: str) -> int:
    with connect(url) as conn:
        users.disable(conn, args.username, actor=actor())
        conn.commit()
    print(f"已停用用户 {args.username}：其会话已结束，令牌已失效")
    return 0


def _token(args: argparse.Namespace, url: str) -> int:
    with connect(url) as conn:
        token = credentials.issue_token(conn, args.username, actor=actor(), name=args.purpose, days=args.days)
        conn.commit()
    print(f"令牌（只显示这一次，请妥善保存；{args.days}天后失效）：", file=sys.stderr)
    print(token)
    return 0


def _revoke(args: argparse.Namespace, url: str) -> int:
    with connect(url) as conn:
        credentials.revoke_token(conn, args.token_id, actor=actor())
        conn.commit()
    print(f"已吊销令牌 {args.token_id}")
    return 0


def _demo(url: str) -> int:
    from data import demo_accounts

    with connect(url) as conn:
        made = demo_accounts.create(conn)
        conn.commit()
    for account, area in made:
        print(f"演示账户 {account.username}（{ROLE_LABELS[account.role]}，辖区 {area}）："
              f"密码 {account.password}，令牌 {account.token}")
    return 0
