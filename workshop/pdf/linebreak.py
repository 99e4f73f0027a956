"""Where a line may break: Thai between words (pythainlp newmm), other scripts at spaces.

Thai is written without spaces between words, so break opportunities inside a Thai run come
from a dictionary segmenter; a break anywhere else would split a word (or a syllable, leaving a
vowel or tone mark stranded at the start of a line). Non-Thai text (Latin names, numbers,
e-mail addresses, URLs) breaks only at spaces; a token too wide for its line is split at
character-cluster boundaries as a last resort, which is the typesetter's job (see
``workshop.pdf.typeset``), helped by :func:`cluster_breaks` and :func:`soft_breaks` here.
"""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

from pythainlp.tokenize import syllable_tokenize, word_tokenize

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


@lru_cache(maxsize=16384)
def _newmm(chunk: str) -> tuple[str, ...]:
    """newmm words of a run without spaces; cached because names and headings repeat."""
    return tuple(word_tokenize(chunk, engine="newmm", keep_whitespace=True))


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
    return tuple(tokens)


def warm_up() -> None:
    """Load pythainlp's word list now: building it takes about a second, which a server worker
    should spend when it starts, not in the first request that sets Thai text (a ticket, a
    certificate or a report). Every worker loads it by its first Thai PDF anyway."""
    _newmm("การอบรม")


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


def soft_breaks(token: str) -> set[int]:
    """The preferred emergency breaks: between Thai syllables, after URL/e-mail punctuation."""
    soft = {i for i in range(1, len(token)) if token[i - 1] in _SOFT_AFTER}
    for match in _THAI_RE.finditer(token):
        soft.update(match.start() + end for end in _syllable_ends(match.group()))
    return soft & set(cluster_breaks(token))
