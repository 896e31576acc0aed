"""French typography in every French catalogue (issue 15): a non-breaking space (U+00A0, or
the narrow U+202F) before ``:`` ``;`` ``!`` ``?``, never an ordinary space or none at all."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

FRENCH = Path(__file__).resolve().parents[3] / "badger" / "translations" / "fr" / "LC_MESSAGES"
# An ordinary space before the sign, or a word glued to it ("Rôles: ..."), when the sign ends a
# phrase (followed by a space, the end, or markup); "did:web", "https://" and "12:30" do not.
WRONG = re.compile(r"( [:;!?]|(?<=[^\W\d_])(?<!did)[:;!?])(?=\s|$|<)")  # "did:" is a literal


@pytest.mark.parametrize("path", sorted(FRENCH.glob("*.po")), ids=lambda p: p.name)
def test_french_messages_use_non_breaking_spaces(path):
    with path.open("rb") as handle:
        catalogue = read_po(handle, locale="fr")
    bad = []
    for message in catalogue:
        if not message.id:
            continue
        strings = message.string if isinstance(message.string, tuple) else (message.string,)
        bad += [s for s in strings if s and WRONG.search(s)]
    assert bad == [], bad[:5]


def test_the_check_is_not_vacuous():
    assert WRONG.search("Motif : fraude") and WRONG.search("Rôles: coach") and WRONG.search("Bravo !")
    assert not WRONG.search("Motif\u00a0: fraude") and not WRONG.search("did:web:exemple") and not WRONG.search("12:30")
