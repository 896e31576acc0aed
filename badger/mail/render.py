"""Rendering e-mails without Flask: Jinja2 templates under ``templates/emails/`` with the
``emails`` gettext domain loaded by Babel, one environment per language.

Why not Flask-Babel's ``force_locale`` inside an app context: delivery runs in a background
thread, an RQ worker or the CLI, where no Flask app exists, and services do not import the web
layer. Jinja2's i18n extension with Babel's ``Translations`` is what Flask-Babel does
underneath (newstyle gettext, so ``{{ _('Hello %(name)s', name=x) }}`` works the same way in
the e-mail templates as in the pages), without a request or an app.

Partner-written text (a subject, an introduction in Markdown) is filled with a fixed set of
``{placeholder}`` values and rendered by badger.core.markdown (the same safe renderer as
the pages); the plain-text part carries the Markdown source.
"""

from __future__ import annotations

import re
from functools import cache

from babel.support import NullTranslations, Translations
from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from badger.resources import ROOT, templates_dir

__all__ = ["LANGUAGES", "DOMAIN", "translations", "gettext", "render_template", "fill", "one_line"]

LANGUAGES = ("fr", "en")
DOMAIN = "emails"
TRANSLATIONS = ROOT / "badger" / "translations"

_PLACEHOLDER = re.compile(r"\{([a-z_]+)\}")
_MARKDOWN_SPECIALS = re.compile(r"([\\`*_{}\[\]()#+\-.!<>|~&])")


@cache
def translations(lang: str) -> NullTranslations:
    """The ``emails`` catalogue of ``lang`` (an empty one for a language without a catalogue:
    message ids are English)."""
    return Translations.load(str(TRANSLATIONS), [lang], domain=DOMAIN)


def gettext(lang: str, message: str) -> str:
    return translations(lang).gettext(message)


@cache
def _environment(lang: str) -> Environment:
    env = Environment(
        loader=FileSystemLoader(str(templates_dir() / "emails")),
        autoescape=select_autoescape(enabled_extensions=("html",), default_for_string=False),
        extensions=["jinja2.ext.i18n"],
        undefined=StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.install_gettext_translations(translations(lang), newstyle=True)  # type: ignore[attr-defined]  # added by jinja2.ext.i18n
    return env


def render_template(name: str, lang: str, **context) -> str:
    """Render ``templates/emails/<name>`` (``.html`` autoescaped, ``.txt`` not) in ``lang``."""
    return _environment(lang).get_template(name).render(lang=lang, **context)


def fill(text: str, values: dict[str, str], *, markdown: bool = False) -> str:
    """Replace ``{name}`` placeholders by ``values`` (unknown names are left as written).
    With ``markdown``, the values are escaped so a badge name renders as written."""

    def one(match: re.Match) -> str:
        key = match.group(1)
        if key not in values:
            return match.group(0)
        value = str(values[key] or "")
        return _MARKDOWN_SPECIALS.sub(r"\\\1", value) if markdown else value

    return _PLACEHOLDER.sub(one, text)


def one_line(text: str, limit: int = 200) -> str:
    """A header-safe single line: whitespace (CR/LF included) collapsed, at most ``limit`` characters."""
    line = " ".join((text or "").split())
    return line if len(line) <= limit else line[: limit - 1].rstrip() + "…"
