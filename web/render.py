"""Render the Jinja2 templates in web/templates."""

from __future__ import annotations

from pathlib import Path

from jinja2 import Environment, FileSystemLoader, select_autoescape

_ENV = Environment(
    loader=FileSystemLoader(Path(__file__).with_name("templates")),
    autoescape=select_autoescape(["html"]),
)


def render(template: str, **context: object) -> str:
    """The template `template` rendered with `context`, as HTML text."""
    return _ENV.get_template(template).render(**context)
