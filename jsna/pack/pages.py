"""Pages from templates (``jsna/pack/templates``): Jinja2 with autoescaping, so no text
reaches a page unescaped by construction. Only markup the pipeline built and escaped
itself (the SVG charts, the inlined styles and script) is passed as ``Markup``.

Two choices keep the pages exactly as they were when written by hand, byte for byte:
every value is escaped with ``html.escape`` (``&#x27;`` for an apostrophe, where
markupsafe writes ``&#39;``), and a template's line breaks and indentation are layout for
its reader, never output (a template keeps running text on one line)."""

from __future__ import annotations

import html
from functools import cache
from importlib import resources
from typing import Any

from jinja2 import BaseLoader, Environment, StrictUndefined, TemplateNotFound
from markupsafe import Markup

TEMPLATES = resources.files("jsna.pack") / "templates"


def _escape(value: object) -> Markup:
    """Every ``{{ value }}``: as it is when it is markup, else escaped (quotes too)."""
    return value if isinstance(value, Markup) else Markup(html.escape(str(value)))


class _Templates(BaseLoader):
    """The package's templates, each line stripped and the lines joined."""

    def get_source(self, environment: Environment, template: str) -> tuple[str, None, Any]:
        path = TEMPLATES / template
        if not path.is_file():
            raise TemplateNotFound(template)
        text = path.read_text(encoding="utf-8")
        return "".join(line.strip() for line in text.splitlines()), None, lambda: True


@cache
def environment() -> Environment:
    return Environment(
        loader=_Templates(),
        autoescape=True,
        finalize=_escape,
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
    )


@cache
def asset(name: str) -> Markup:
    """A file of the templates folder inlined as it is (the styles, the sorting script)."""
    return Markup((TEMPLATES / name).read_text(encoding="utf-8"))


def render(template: str, **values: Any) -> str:
    return environment().get_template(template).render(**values)
