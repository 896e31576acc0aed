"""French and English, checked: every catalogue of every domain (badger/translations), the
source against its catalogue, and the rendered public pages.

- each ``.po`` parses; in French every message has a non-empty, non-fuzzy translation; every
  translation uses exactly the placeholders of its message id;
- each ``.mo`` is the compilation of its ``.po`` (compiled in memory and compared, message by
  message): a forgotten ``make translations`` fails here;
- each domain with a mapping (``babel/<domain>.cfg``) has every message id its sources mark
  (extracted in memory) in its catalogues;
- every public page (tests/web/pages.py), rendered in French, shows no English message id of
  the catalogues untranslated; in English it says the English words;
- the language switcher remembers the choice (cookie ``badger_lang``), ``?lang=`` still wins,
  links keep ``?lang=``; the verification messages (domain code, no Flask) read the same
  catalogues as the pages.
"""

from __future__ import annotations

import gettext
import io
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest
from babel.messages.extract import DEFAULT_KEYWORDS, extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.fixtures import achievement_factory, issuer_factory, make_badger
from tests.web.pages.pages import all_pages, build_public_site

ROOT = Path(__file__).resolve().parents[3]
TRANSLATIONS = ROOT / "badger" / "translations"
PO_FILES = sorted(TRANSLATIONS.glob("*/LC_MESSAGES/*.po"))
MAPPINGS = sorted((ROOT / "babel").glob("*.cfg"))
KEYWORDS = {**DEFAULT_KEYWORDS, "_l": None, "lazy_gettext": None, "N_": None}
_PLACEHOLDER = re.compile(r"%\((\w+)\)[sdif]|%[sdif]|\{(\w*)\}")


def _ids(path: Path) -> str:
    return str(path.relative_to(TRANSLATIONS))


def _catalog(path: Path):
    with open(path, "rb") as handle:
        return read_po(handle, abort_invalid=True)


def _placeholders(text: str) -> list[str]:
    return sorted(m.group(0) for m in _PLACEHOLDER.finditer(text or ""))


def _strings(message) -> list[str]:
    return list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]


def test_there_are_catalogues_for_both_languages():
    domains = {p.stem for p in PO_FILES}
    assert {"public", "verification"} <= domains
    for domain in domains:
        for lang in ("fr", "en"):
            assert (TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po").is_file(), f"{lang}/{domain}.po is missing"


@pytest.mark.parametrize("path", PO_FILES, ids=_ids)
def test_catalogue_is_complete_and_consistent(path):
    catalog = _catalog(path)
    lang = path.parts[-3]
    messages = [m for m in catalog if m.id]
    assert messages, f"{_ids(path)} is empty"
    problems = []
    for m in messages:
        singular, plural = m.id if isinstance(m.id, (list, tuple)) else (m.id, None)
        strings = _strings(m)
        if lang == "fr":
            if m.fuzzy:
                problems.append(f"fuzzy: {singular!r}")
            if not all(s and s.strip() for s in strings):
                problems.append(f"no French text: {singular!r}")
        expected = _placeholders(singular)
        for index, text in enumerate(strings):
            if not text:
                continue
            # The singular of a plural may drop %(num)s ("une personne"), never add one.
            wanted = _placeholders(plural) if plural and index > 0 else expected
            got = _placeholders(text)
            if got != wanted and not (plural and set(got) <= set(wanted)):
                problems.append(f"placeholders {got} != {wanted}: {singular!r}")
    assert problems == [], f"{_ids(path)}:\n" + "\n".join(problems)


@pytest.mark.parametrize("path", PO_FILES, ids=_ids)
def test_mo_is_compiled_from_its_po(path):
    mo_path = path.with_suffix(".mo")
    assert mo_path.is_file(), f"{_ids(mo_path)} is missing: run `make translations`"
    compiled = io.BytesIO()
    write_mo(compiled, _catalog(path))
    compiled.seek(0)
    expected = gettext.GNUTranslations(compiled)._catalog
    with open(mo_path, "rb") as handle:
        actual = gettext.GNUTranslations(handle)._catalog
    expected.pop("", None), actual.pop("", None)  # headers (dates) may differ
    stale = sorted(set(expected.items()) ^ set(actual.items()), key=str)
    assert stale == [], f"{_ids(mo_path)} is not the compilation of its .po (run `make translations`): {stale[:5]}"


def _extracted(mapping: Path) -> set:
    with open(mapping, encoding="utf-8") as handle:
        method_map, options_map = parse_mapping_cfg(handle, filename=str(mapping))
    skip = {"node_modules", "tests", "bench", "schemas", "instance", "translations"}

    def keep(dirname: str) -> bool:
        name = Path(dirname).name
        return not (name.startswith((".", "_")) or name in skip)

    found = set()
    for _file, _line, message, _comments, _context in extract_from_dir(
        str(ROOT), method_map, options_map, keywords=KEYWORDS, directory_filter=keep
    ):
        found.add(message[0] if isinstance(message, tuple) else message)
    return found


@pytest.mark.parametrize("mapping", MAPPINGS, ids=lambda p: p.name)
def test_catalogues_have_every_marked_message(mapping):
    domain = mapping.stem.removeprefix("babel-")
    marked = _extracted(mapping)
    assert marked, f"{mapping.name} finds no message: check its paths"
    for lang in ("fr", "en"):
        path = TRANSLATIONS / lang / "LC_MESSAGES" / f"{domain}.po"
        assert path.is_file(), f"{_ids(path)} is missing: run `make translations`"
        known = {m.id[0] if isinstance(m.id, (list, tuple)) else m.id for m in _catalog(path) if m.id}
        missing = sorted(marked - known)
        assert missing == [], (
            f"{_ids(path)} lacks {len(missing)} marked messages (run `make translations`): {missing[:5]}"
        )


# ------------------------------------------------------------------------------ rendered pages


class _VisibleText(HTMLParser):
    """Text a person reads or hears: text nodes and alt/title/aria-label/placeholder/content
    attributes, without scripts, styles, raw JSON (<pre>), identifiers (<code>), what the visitor typed (<textarea>) and passages
    marked as another language (lang="en" inside a French page)."""

    SKIP = {"script", "style", "pre", "code", "textarea"}
    ATTRIBUTES = {"alt", "title", "aria-label", "placeholder", "content", "data-copied"}
    VOID = {"meta", "img", "input", "br", "hr", "link", "source", "area", "base", "col", "embed", "wbr", "track"}

    def __init__(self, page_lang: str):
        super().__init__(convert_charrefs=True)
        self.page_lang = page_lang
        self.stack: list[bool] = []
        self.chunks: list[str] = []

    def _hidden(self) -> bool:
        return any(self.stack)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        foreign = attrs.get("lang") not in (None, self.page_lang) and tag != "html"
        if not self._hidden() and not foreign:
            # hreflang links name the other language in that language, on purpose
            self.chunks.extend(v for k, v in attrs.items() if k in self.ATTRIBUTES and v)
        if tag not in self.VOID:
            self.stack.append(tag in self.SKIP or foreign)

    def handle_endtag(self, tag):
        if tag not in self.VOID and self.stack:
            self.stack.pop()

    def handle_data(self, data):
        if not self._hidden() and data.strip():
            self.chunks.append(" ".join(data.split()))


def visible_text(html: str, lang: str) -> str:
    parser = _VisibleText(lang)
    parser.feed(html)
    return "\n".join(parser.chunks)


def _english_only_ids() -> list[re.Pattern]:
    """Message ids of every domain whose French text differs: finding one in a French page
    means a string escaped translation. Placeholders match anything."""
    patterns = []
    for path in TRANSLATIONS.glob("fr/LC_MESSAGES/*.po"):
        for m in _catalog(path):
            if not m.id:
                continue
            ids = list(m.id) if isinstance(m.id, (list, tuple)) else [m.id]
            strings = _strings(m)
            for text in ids:
                literal = _PLACEHOLDER.sub("", text)
                if text in strings or sum(ch.isalpha() for ch in literal) < 4:
                    continue  # too short to tell languages apart ("%(a)s of %(b)s", "OK")
                parts = [re.escape(p) for p in _PLACEHOLDER.split(text)[::3]]
                if " " not in text.strip():
                    # One word ("Open", "Print"): only a whole text chunk, not inside a phrase
                    # that borrows it ("Open Badges").
                    pattern = r"^" + r".+?".join(parts) + r"$"
                else:
                    pattern = r"(?<!\w)" + r".+?".join(parts) + r"(?!\w)"
                patterns.append(re.compile(pattern, re.MULTILINE))
    return patterns


@pytest.fixture(scope="module")
def rendered_site(tmp_path_factory):
    """Every page rendered in French and English, once for the module: (the site, {(page name,
    lang): html}). The pages are only read, so the tests of this module can share them."""
    from badger.web import create_app

    # Dozens of sign-ins a minute from one address: request rate limits (tests/security) off.
    badger, close = make_badger("sqlite", tmp_path_factory.mktemp("i18n"), rate_limits=False)
    app = create_app(badger=badger)
    app.testing = True
    client = app.test_client()
    site = build_public_site(badger, issuer_factory(badger), achievement_factory(badger))
    site.extra["baked_png"] = client.get(f"/credentials/{site.credential_id}.png").data  # as public_site does
    out = {}
    for page in all_pages(app, client, site):
        for lang in ("fr", "en"):
            response = page.fetch(client, site, lang)
            assert response.status_code == page.status, (page.name, lang, response.data[:500])
            out[page.name, lang] = response.get_data(as_text=True)
    yield site, out
    close()


@pytest.fixture
def rendered(rendered_site):
    return rendered_site[1]


def test_french_pages_have_no_untranslated_text(rendered):
    patterns = _english_only_ids()
    assert len(patterns) > 100
    names = {name for name, _ in rendered}
    assert {
        "public.credential",
        "public.verify_page",
        "public.achievement",
        "public.issuer",
        "credential-print",
        "verify-verdict-ok",
        "verify-verdict-ko",
        "error-404",
    } <= names
    leaks = {}
    for (name, lang), html in rendered.items():
        if lang != "fr":
            continue
        assert '<html lang="fr">' in html, name
        text = visible_text(html, "fr")
        found = sorted({p.pattern for p in patterns if p.search(text)})
        if found:
            leaks[name] = found
    assert leaks == {}, f"English text on French pages: {leaks}"


def test_english_pages_say_english_words(rendered):
    expectations = {
        "public.credential": ["Valid badge", "Add to my LinkedIn profile", "Issued on", "The signature is valid"],
        "credential-revoked": ["Revoked badge", "Reason given by the issuer: Présence non confirmée"],
        "credential-expired": ["Expired badge", "This badge was valid until"],
        "verify-verdict-ok": ["Verified badge", "Signing key", "Signed on"],
        "verify-verdict-ko": ["Badge not verified", "Reason: The signature does not match the badge content."],
        "public.achievement": ["1 person holds this badge.", "What this badge means"],
        "error-404": ["Not found"],
    }
    for name, needles in expectations.items():
        html = rendered[name, "en"]
        assert '<html lang="en">' in html
        text = visible_text(html, "en")
        for needle in needles:
            assert needle in text, (name, needle)
    french = visible_text(rendered["public.credential", "fr"], "fr")
    assert "Badge valide" in french and "Ajouter à mon profil LinkedIn" in french
    assert "La signature est valide" in french


def test_dates_and_numbers_follow_the_language(rendered_site):
    from babel.dates import format_date

    public_site, rendered = rendered_site
    issued = public_site.badger.clock()
    # the site's clock moved two days after issuing (see build_public_site)
    from datetime import timedelta

    # the pages write dates in Badger's time zone (BABEL_DEFAULT_TIMEZONE), not in UTC: between
    # 23:00 and 00:00 UTC the day differs
    from zoneinfo import ZoneInfo

    day = (issued - timedelta(days=2)).astimezone(ZoneInfo("Europe/Paris")).date()
    fr = visible_text(rendered["public.credential", "fr"], "fr")
    en = visible_text(rendered["public.credential", "en"], "en")
    assert format_date(day, "long", locale="fr") in fr  # "22 novembre 2026"
    assert format_date(day, "long", locale="en") in en  # "November 22, 2026"


# ------------------------------------------------------------------------------- the switcher


def test_switcher_remembers_the_language_and_lang_still_wins(client, public_site):
    path = f"/credentials/{public_site.credential_id}"
    page = client.get(path).get_data(as_text=True)
    assert '<html lang="fr">' in page
    assert f'href="/language/en?next={path}"' in page and 'hreflang="en"' in page
    response = client.get(f"/language/en?next={path}")
    assert response.status_code == 303 and response.headers["Location"] == path
    cookie = response.headers["Set-Cookie"]
    assert cookie.startswith("badger_lang=en") and "SameSite=Lax" in cookie
    assert '<html lang="en">' in client.get(path).get_data(as_text=True)  # remembered
    assert '<html lang="fr">' in client.get(path + "?lang=fr").get_data(as_text=True)  # ?lang= wins
    client.get("/language/fr?next=/verify")
    assert '<html lang="fr">' in client.get(path).get_data(as_text=True)


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example", "javascript:x"])
def test_switcher_never_redirects_elsewhere(client, target):
    response = client.get("/language/en", query_string={"next": target})
    assert response.status_code == 303 and response.headers["Location"] == "/"


def test_links_keep_the_asked_language(client, public_site):
    page = client.get(f"/credentials/{public_site.credential_id}?lang=en").get_data(as_text=True)
    assert f'href="/issuers/{public_site.issuer_slug}?lang=en"' in page
    assert 'action="/verify?lang=en"' in client.get("/verify?lang=en").get_data(as_text=True)
    assert f'href="/credentials/{public_site.credential_id}/print?lang=en"' in page


def test_verification_messages_read_the_same_catalogues():
    """badger.verification is domain code (no Flask): it reads the compiled catalogue itself."""
    from badger.verification import message
    from badger.verification.messages import MESSAGES

    with open(TRANSLATIONS / "fr" / "LC_MESSAGES" / "verification.mo", "rb") as handle:
        french = gettext.GNUTranslations(handle)
    for code, msgid in MESSAGES.items():
        assert message(code, "en") == msgid
        assert message(code, "fr") == french.gettext(msgid) != msgid, code
    assert message("proof.signature_mismatch", "de") == message("proof.signature_mismatch", "fr")  # French by default
    assert message("status.revoked") == "Le badge a été révoqué par son émetteur."


def test_the_leak_check_is_not_vacuous():
    patterns = _english_only_ids()
    page = (
        '<html lang="fr"><body><h1>Verify a badge</h1><p>Motif : The signature does not match the badge content.</p>'
        '<p>Open Badges</p><p lang="en">Not found</p><pre>Verified badge</pre><textarea>Print</textarea></body></html>'
    )
    found = {p.pattern for p in patterns if p.search(visible_text(page, "fr"))}
    assert any("Verify" in f for f in found) and any("signature" in f for f in found)
    assert not any(f.startswith("^Open") or "Not" in f or "Verified" in f or "Print" in f for f in found), found
