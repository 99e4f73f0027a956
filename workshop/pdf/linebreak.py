"""Where a line may break: Thai between words (pythainlp newmm), other scripts at spaces.

Thai is written without spaces between words, so break opportunities inside a Thai run come
from a dictionary segmenter; a break anywhere else would split a word (or a syllable, leaving a
vowel or tone mark stranded at the start of a line). Non-Thai text (Latin names, numbers,
e-mail addresses, URLs) breaks only at spaces; a token too wide for its line is split at
character-cluster boundaries as a last resort, which is the typesetter's job (see
``workshop.pdf.typeset``), helped by :func:`cluster_breaks` and :func:`soft_breaks` here.

Place names (อำเภอวังทอง, ตำบลท่าหมื่นราม) are words too: pythainlp's dictionary lacks most
district and subdistrict names and would cut วังทอง into วัง|ทอง. A run that contains one is
segmented a second time with the names added (``workshop.thai.placenames``), and only the breaks
that both segmentations make are kept: a name is never broken, and the names can only take
breaks away, never add one inside an ordinary word (with the names, newmm may read
ผู้ใหญ่บ้านก้อง as ผู้ใหญ่|บ้านก้อง; the default reading ผู้ใหญ่บ้าน|ก้อง keeps that break out).

Right word breaks are not enough for an office document: some runs of words are read as one
phrase (พ.ศ.|2559, 25|คน, นางสาว|กิ่งแก้ว, พัฒนา|ชุมชน). ``workshop.thai.phrases`` finds them and
the breaks inside them are taken away too, spaces included (the space of พ.ศ. 2559 stays, but a
line cannot end there).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Sequence
from functools import cache, lru_cache

from pythainlp.corpus import thai_words
from pythainlp.tokenize import syllable_tokenize, word_dict_trie, word_tokenize
from pythainlp.util import Trie

from workshop.thai.phrases import protected_spans
from workshop.thai.placenames import place_names

# Break-side whitespace: everything \s matches except the no-break spaces and line breaks
# (paragraphs are split on "\n" before segmentation).
_SPACE_RE = re.compile(r"[^\S\n\r\u00a0\u2007\u202f]+")
_THAI_RE = re.compile(r"[\u0e00-\u0e7f]+")

# A line must not start with these: following vowels, SARA AM, LAKKHANGYAO, MAI YAMOK
# (repetition), closing punctuation.
_NO_LINE_START = frozenset("\u0e30\u0e32\u0e33\u0e45\u0e46" + ")]}»”’,.;:!?%")
# ... nor end with these: Thai leading vowels (they are written before their consonant) and
# opening punctuation.
_NO_LINE_END = frozenset("\u0e40\u0e41\u0e42\u0e43\u0e44" + "([{«“‘")
# Inside a long non-Thai token (e-mail, URL) the nicest emergency breaks are after these.
_SOFT_AFTER = frozenset("/.@-_?&=#,;:")
_PAIYANNOI = "\u0e2f"  # ฯ: abbreviation mark, belongs to the word before it when alone


def is_space(token: str) -> bool:
    """True for a whitespace token from :func:`segment` (dropped where a line breaks)."""
    return bool(token) and _SPACE_RE.fullmatch(token) is not None


def _is_mark(ch: str) -> bool:
    return unicodedata.category(ch) in ("Mn", "Mc", "Me")


class _WordsAndPlaces(Trie):
    """pythainlp's word trie and a small trie of place names, read as one dictionary.

    newmm only asks its dictionary for the words that start at a position (``prefixes``; the
    place-name tests fail if a pythainlp release asks otherwise); a merged copy of pythainlp's
    62,000 words would cost every worker another ~70 MB and half a second to build.
    """

    def __init__(self, words: Trie, places: Trie) -> None:
        super().__init__(())
        self.words, self.places = words, places

    def prefixes(self, text: str, start: int = 0) -> list[str]:
        found = self.words.prefixes(text, start)
        places = self.places.prefixes(text, start)
        if not places:
            return found
        return sorted({*found, *places}, key=len)  # shortest first, as one trie lists them

    def mentions_place(self, text: str) -> bool:
        return any(self.places.prefixes(text, i) for i in range(len(text)))

    def __contains__(self, key: str) -> bool:
        return key in self.words or key in self.places

    def __iter__(self) -> Iterator[str]:
        yield from self.words
        yield from self.places  # none of them is in words, see _dictionary()

    def __len__(self) -> int:
        return len(self.words) + len(self.places)


@cache
def _dictionary() -> _WordsAndPlaces:
    words = thai_words()
    # A name that is a dictionary word already (ดุสิต, คง) changes nothing; leaving those out
    # keeps the second segmentation to runs that need it.
    places = Trie(name for name in place_names() if name not in words)
    return _WordsAndPlaces(word_dict_trie(), places)


def _ends(words: Sequence[str]) -> set[int]:
    ends: set[int] = set()
    end = 0
    for word in words:
        end += len(word)
        ends.add(end)
    return ends


def _common_breaks(text: str, first: Sequence[str], second: Sequence[str]) -> tuple[str, ...]:
    """``text`` cut only where both segmentations cut it."""
    tokens: list[str] = []
    start = 0
    for end in sorted(_ends(first) & _ends(second)):
        tokens.append(text[start:end])
        start = end
    return tuple(tokens)


@lru_cache(maxsize=16384)
def _newmm(chunk: str) -> tuple[str, ...]:
    """newmm words of a run without spaces, place names kept whole (see the module docstring);
    cached because names and headings repeat."""
    words = word_tokenize(chunk, engine="newmm", keep_whitespace=True)
    dictionary = _dictionary()
    if not dictionary.mentions_place(chunk):
        return tuple(words)  # the names add no word here, so newmm would read it the same
    with_places = word_tokenize(chunk, engine="newmm", keep_whitespace=True, custom_dict=dictionary)
    return _common_breaks(chunk, words, with_places)


def _is_thai_letter(ch: str) -> bool:
    return "\u0e01" <= ch <= "\u0e4e"  # consonants, vowels, marks; not digits or ๏ ๚ ๛


def _chunk_tokens(chunk: str) -> list[str]:
    """Split a run without spaces into words: newmm's, rejoined where neither side is Thai.

    newmm also cuts Latin text at punctuation (somchai|.j@example.go.th); outside Thai
    only spaces break.
    """
    tokens: list[str] = []
    for word in _newmm(chunk):
        if tokens and not (_is_thai_letter(tokens[-1][-1]) or _is_thai_letter(word[0])):
            tokens[-1] += word
        else:
            tokens.append(word)
    return tokens


def _glue(tokens: list[str]) -> list[str]:
    """Join words across boundaries where a line must not break (see the sets above)."""
    out: list[str] = []
    for token in tokens:
        if out and (
            token[0] in _NO_LINE_START
            or _is_mark(token[0])
            or token == _PAIYANNOI
            or out[-1][-1] in _NO_LINE_END
        ):
            out[-1] += token
        else:
            out.append(token)
    return out


@lru_cache(maxsize=4096)
def segment(paragraph: str) -> tuple[str, ...]:
    """Split one paragraph (no newlines) into words and whitespace runs.

    The tokens concatenate to ``paragraph``; a line may break between any two of them, and a
    whitespace token at a break is dropped.
    """
    tokens: list[str] = []
    pos = 0
    for match in _SPACE_RE.finditer(paragraph):
        if match.start() > pos:
            tokens.extend(_glue(_chunk_tokens(paragraph[pos : match.start()])))
        tokens.append(match.group())
        pos = match.end()
    if pos < len(paragraph):
        tokens.extend(_glue(_chunk_tokens(paragraph[pos:])))
    return tuple(_keep_phrases(paragraph, tokens))


def _keep_phrases(paragraph: str, tokens: list[str]) -> list[str]:
    """Join the tokens across every break that falls inside a protected phrase
    (``workshop.thai.phrases``: พ.ศ. 2559, 25 คน, นางสาวกิ่งแก้ว, พัฒนาชุมชน, ...)."""
    starts = [0]
    for token in tokens:
        starts.append(starts[-1] + len(token))
    spans = protected_spans(paragraph, starts)
    if not spans:
        return tokens
    inside = {b for start, end in spans for b in range(start + 1, end)}
    out: list[str] = []
    for token, start in zip(tokens, starts, strict=False):
        if out and start in inside:
            out[-1] += token
        else:
            out.append(token)
    return out


def warm_up() -> None:
    """Load pythainlp's word list, the place names and the syllable dictionary now: building
    them takes about half a second, which a server should spend when it starts, not in the
    first request that sets Thai text (a ticket, a certificate or a report)."""
    _newmm("อำเภอวังทอง")
    _syllable_ends("วังทอง")


def cluster_breaks(token: str) -> list[int]:
    """Offsets inside ``token`` where an emergency break keeps character clusters whole."""
    return [
        i
        for i in range(1, len(token))
        if not (_is_mark(token[i]) or token[i] in _NO_LINE_START or token[i - 1] in _NO_LINE_END)
    ]


@lru_cache(maxsize=4096)
def _syllable_ends(run: str) -> tuple[int, ...]:
    ends: list[int] = []
    pos = 0
    for syllable in syllable_tokenize(run, engine="dict"):
        pos += len(syllable)
        ends.append(pos)
    return tuple(ends)


@lru_cache(maxsize=1024)
def word_breaks(token: str) -> frozenset[int]:
    """The best emergency breaks inside a token wider than its line, which happens to a long
    protected phrase (ศูนย์ศึกษาและพัฒนาชุมชน in a narrow cell): between its dictionary words
    or after a space in it, but not inside a shorter phrase within it (ศูนย์ศึกษาและ|พัฒนาชุมชน,
    not พัฒนา|ชุมชน)."""
    ends: list[int] = []
    pos = 0
    for piece in _SPACE_RE.split(token):
        for word in _chunk_tokens(piece) if piece else ():
            pos += len(word)
            ends.append(pos)
        space = _SPACE_RE.match(token, pos)
        if space:  # break after the space, not before it: no line starts with one
            if ends and ends[-1] == space.start():
                ends.pop()
            pos = space.end()
            ends.append(pos)
    inside = {
        b
        for a, e in protected_spans(token, [0, *ends])
        if (a, e) != (0, len(token))
        for b in range(a + 1, e)
    }
    return frozenset(ends).difference(inside, (len(token),)).intersection(cluster_breaks(token))


def soft_breaks(token: str) -> set[int]:
    """The preferred emergency breaks: between Thai syllables, after URL/e-mail punctuation."""
    soft = {i for i in range(1, len(token)) if token[i - 1] in _SOFT_AFTER}
    for match in _THAI_RE.finditer(token):
        soft.update(match.start() + end for end in _syllable_ends(match.group()))
    return soft & set(cluster_breaks(token))
