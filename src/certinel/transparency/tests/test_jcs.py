"""The fast canonical JSON writes the same bytes as the reference RFC 8785 implementation."""

from __future__ import annotations

import rfc8785
from hypothesis import given, settings
from hypothesis import strategies as st

from certinel.transparency import jcs

# Every code point a JSON string can carry (no lone surrogates), with the awkward ones often.
text = st.text(st.one_of(st.characters(blacklist_categories=("Cs",)),
                         st.sampled_from("\x00\x01\x1f\x7f\"\\/\b\f\n\r\t\u2028\u2029\ue000\uffff😀𝄞")))
scalars = st.one_of(st.none(), st.booleans(), st.integers(-(2**53) + 1, 2**53 - 1), text)
values = st.recursive(scalars, lambda inner: st.one_of(st.lists(inner, max_size=5),
                                                      st.dictionaries(text, inner, max_size=5)), max_leaves=30)


@settings(max_examples=400, deadline=None)
@given(values)
def test_same_bytes_as_rfc8785(value):
    assert jcs.dumps(value) == rfc8785.dumps(value)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False), st.integers()))
def test_numbers_beyond_the_fast_path_follow_rfc8785(number):
    try:
        expected = rfc8785.dumps({"n": number})
    except rfc8785.CanonicalizationError:
        return
    assert jcs.dumps({"n": number}) == expected


def test_every_character_of_the_basic_plane_is_written_as_rfc8785_writes_it():
    # In values and in keys: the fast path's escapes and its key order, character by character.
    characters = [chr(c) for c in range(0x10000) if not 0xD800 <= c <= 0xDFFF]
    value = "".join(characters)
    assert jcs.dumps(value) == rfc8785.dumps(value)
    keys = {c: i for i, c in enumerate(characters[::7])}
    assert jcs.dumps(keys) == rfc8785.dumps(keys)


def test_keys_beyond_the_basic_plane_sort_by_utf16_code_units():
    # U+1F600 is D83D DE00 in UTF-16, which sorts before U+E000 (a code point sort says after).
    value = {"\U0001F600": 1, "\ue000": 2}
    assert jcs.dumps(value) == rfc8785.dumps(value) == '{"😀":1,"\ue000":2}'.encode()


@settings(max_examples=200, deadline=None)
@given(st.dictionaries(text, values, max_size=6))
def test_an_object_put_together_from_canonical_members_is_canonical(value):
    assert jcs.dumps_object({key: jcs.dumps(item) for key, item in value.items()}) == rfc8785.dumps(value)
