"""What each place mention does in its report: where something happened, or where it was
said, filed, listed, left from or headed to.

Agency copy names many places that are not where the story is: the dateline ("BEIRUT
(AP) —", "دمشق-سانا"), the speaker ("the London-based monitor", "Hmeimim air base said",
"أعلن مركز المصالحة الروسي في قاعدة حميميم"), bylines and tag lines, the ends of a journey
("buses from Douma to Jarablus"), and summary lists ("strikes also hit Idlib, Hama, Aleppo
and Lattakia"). Each mention is kept (they are real places, in the report's own words) and
given a role; the focus weighs a mention by its role (``FOCUS_FACTOR``), and a draft event is
placed only by mentions whose role can be where something happened (``EVENT_ROLES``).

Every rule looks at a few words around the mention, so roles cost a handful of regular
expression searches per mention, whatever the report's length.
"""

from __future__ import annotations

import re
from bisect import bisect_left, bisect_right
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from app.geoparse.resolve import Resolved
from app.geoparse.text import Folded, fold_name

# How much a mention's vote for the focus counts, by role. A province cue ("in Hasakeh
# province", "بريف إدلب") is the report telling the reader where it is.
FOCUS_FACTOR = {
    "event": 1.5,
    "province": 1.5,
    "transit": 1.2,
    "mention": 1.0,
    "origin": 0.6,
    "destination": 0.4,
    "list": 1.0,  # divided by the length of the list
    "speaker": 0.1,
    "dateline": 0.05,
    "byline": 0.0,
    "tag": 0.0,
}
# Roles of mentions that may be where an event happened, best first.
EVENT_ROLES = ("event", "transit", "province", "mention", "list", "origin", "destination")

_SENTENCE_END = re.compile(r"[.!?؟\n]+(?:\s|$)|\n")
_LINE_CREDIT = re.compile(
    r"^\W*(?:(?P<by>by|reporting by|additional reporting by|writing by|editing by|edited by"
    r"|compiled by|تحرير|إعداد|اعداد|تغطية)"
    r"|(?P<tag>tags?|keywords?|topics?|related|read more|read also|see also|filed under"
    r"|الكلمات المفتاحية|كلمات مفتاحية|الكلمات الدلالية|وسوم|الوسوم|اقرأ أيضا|اقرأ أيضاً"
    r"|اقرأ ايضا|اقرأ ايضاً|مواضيع ذات صلة|ذات صلة))\b",
    re.IGNORECASE,
)
_CREDIT_ANYWHERE = re.compile(r"\((?:reporting|writing|editing) by\b", re.IGNORECASE)
# The dateline: up to three short segments before the first dash, slash or colon of the body.
_DATELINE = re.compile(r"^\s*(?:[^\n\-–—:/|]{1,45}?(?:\s*[-–—:/|]+\s*)){1,2}")
_AGENCY = re.compile(
    r"\((?:AP|AFP|Reuters|Xinhua|SANA|Anadolu|AA|UPI|dpa|DPA|Sputnik|TASS|RIA|IRNA|رويترز"
    r"|الأناضول|سانا|أ ف ب|ا ف ب)\)"
)


def _folded_words(words: str) -> frozenset[str]:
    return frozenset(fold_name(w) for w in words.split())


_SPEECH_EN = (
    r"said|says|say|announced|announces|stated|states|claimed|claims|reported|reports|accused"
    r"|accuses|denied|denies|warned|warns|told|tells|added|confirmed|confirms|condemned"
    r"|condemns|insisted|urged|urges|called|declared|blamed|blames|responded|vowed"
)
_SPEAKER_AFTER_EN = re.compile(
    r"^(?:['’]s)?(?:\s+(?:government|officials?|authorities|air base|airbase|base|centre|center"
    r"|command|headquarters|ministry|also|has|have|had|later|officially|publicly|quickly"
    r"|repeatedly|on \w+day))*\s+(?:" + _SPEECH_EN + r")\b"
    r"|^-based\b",
    re.IGNORECASE,
)
_SPEAKER_BEFORE_EN = re.compile(
    r"(?:\b(?:based|headquartered|speaking|spoke|reached by phone|told \w+) (?:in|from)"
    r"|\b(?:centre|center|headquarters|embassy|consulate|office|command|bureau)"
    r" (?:in|at|of)"
    r"|\b(?:officials?|sources?|spokes(?:man|woman|person)|statement|ministry|governor"
    r"|correspondent|reporter|a source) (?:in|from|at))(?: the)?\s*$",
    re.IGNORECASE,
)
_SPEECH_AR = _folded_words(
    "قال قالت اعلن اعلنت ذكر ذكرت افاد افادت اكد اكدت نفى نفت اتهم اتهمت صرح صرحت "
    "اوضح اوضحت اشار اشارت حذر حذرت تقول يقول تتهم يتهم تعلن يعلن تؤكد يؤكد تنفي ينفي "
    "نقلت نقل ادان ادانت طالب طالبت"
)
_SPEAKER_WORDS_AR = _folded_words(
    "مركز المصالحة الروسي الروسية قاعدة مصدر مصادر مسؤول مسؤولون وزارة الدفاع "
    "الخارجية المتحدث الناطق باسم مكتب قيادة العسكري العسكرية عسكري عسكرية أمني أمنية "
    "محلية محلي في من حكومة سلطات السلطات الحكومة بيان ببيان غرفة عمليات العمليات "
    "الإعلام إعلام الحربي مراسل مراسلة وكالة رسمي رسمية الجوية الجوي القوات الروسية "
    "المركز"
)
_BASED_AR = frozenset(fold_name(w) for w in ("مقره", "مقرها", "ومقره", "ومقرها", "مقرّه"))
_SPEAKER_AFTER_AR = frozenset(
    fold_name(w) for w in ("تتهم", "تنفي", "تقول", "تعلن", "تؤكد", "تطالب", "تدين", "تحذر")
)
_LIST_GAP = re.compile(
    r"^[\s,،;]*(?:(?:and|or|as well as|&|و|أو|او)\s*)?"
    r"(?:(?:the )?(?:provinces?|governorates?|cities|towns|villages|countryside)\s*)?$",
    re.IGNORECASE,
)
_LIST_MIN = 3
_JOURNEY = _folded_words(
    "evacuation evacuations evacuated evacuating evacuees convoy convoys bus buses "
    "displaced fled flee fleeing deported deportation transferred relocated departed "
    "heading headed route journey حافلات حافلة قافلة قوافل إجلاء اجلاء تهجير المهجرين "
    "مهجرين نزوح نازحين النازحين خروج ترحيل المرحلين المهجّرين"
)
_FROM = frozenset(fold_name(w) for w in ("from", "من"))
_TO = frozenset(
    fold_name(w)
    for w in ("to", "toward", "towards", "for", "into", "إلى", "الى", "باتجاه", "نحو", "صوب")
)
_VIA = frozenset(fold_name(w) for w in ("via", "through", "passing", "عبر", "مرورا", "مروراً"))
_PROVINCE_WORDS = _folded_words(
    "province provinces governorate countryside rural district region desert محافظة "
    "محافظات ريف بادية منطقة الريف"
)
_PROVINCE_AFTER = re.compile(
    r"^(?:['’]s)?\s+(?:provinces?|governorates?|countryside|desert)\b", re.IGNORECASE
)


@dataclass(frozen=True)
class Roles:
    """One role per mention, in the order given, and the length of each mention's list."""

    role: list[str]
    list_size: list[int]

    def factor(self, i: int) -> float:
        factor = FOCUS_FACTOR[self.role[i]]
        return factor / self.list_size[i] if self.role[i] == "list" else factor


def sentences(source: str) -> list[tuple[int, int]]:
    """Every sentence's span (also the short ones: "BEIRUT (AP) —" ends none)."""
    spans, start = [], 0
    for m in _SENTENCE_END.finditer(source):
        if m.start() > start:
            spans.append((start, m.start()))
        start = m.end()
    if start < len(source):
        spans.append((start, len(source)))
    return spans


def _lines(source: str) -> dict[str, list[tuple[int, int]]]:
    """Byline and tag lines' spans."""
    found: dict[str, list[tuple[int, int]]] = {"byline": [], "tag": []}
    offset = 0
    for line in source.split("\n"):
        m = _LINE_CREDIT.match(line)
        if m:
            found["byline" if m.group("by") else "tag"].append((offset, offset + len(line)))
        elif _CREDIT_ANYWHERE.search(line):
            found["byline"].append((offset, offset + len(line)))
        offset += len(line) + 1
    return found


def dateline_end(source: str) -> int:
    """Where the dateline ends (0 without one): the first segments of the body before a
    dash, a slash or a colon, short (at most five words each) and before any sentence."""
    m = _DATELINE.match(source)
    if not m or "\n" in m.group(0).strip() or "." in m.group(0):
        return 0
    segments = [s for s in re.split(r"[-–—:/|]+", m.group(0)) if s.strip()]
    if not segments or any(len(_AGENCY.sub("", s).split()) > 5 for s in segments):
        return 0
    return m.end()


class _Window:
    """Folded words around a span of the original text, without folding it again (folding
    windows of every mention was half the time of parsing)."""

    def __init__(self, folded: Folded) -> None:
        self._folded = folded

    def folded(self, start: int, end: int) -> str:
        origin = self._folded.origin
        return self._folded.text[bisect_left(origin, max(0, start)) : bisect_left(origin, end)]


def _speaker(source: str, window: _Window, m: Resolved) -> bool:
    after = source[m.match.end : m.match.end + 60]
    before = source[max(0, m.match.start - 60) : m.match.start]
    if _SPEAKER_AFTER_EN.match(after) or _SPEAKER_BEFORE_EN.search(before):
        return True
    after_words = window.folded(m.match.end, m.match.end + 20).split()[:1]
    if after_words and after_words[0] in _SPEAKER_AFTER_AR:
        return True
    words = window.folded(m.match.start - 60, m.match.start).split()[-8:]
    if any(w in _BASED_AR for w in words[-2:]):
        return True
    # Verb first: أعلن مركز المصالحة الروسي في قاعدة حميميم (only speaker words between).
    for i in range(len(words) - 1, -1, -1):
        word = words[i]
        bare = word[1:] if word[:1] in ("و", "ف") else word
        if bare in _SPEECH_AR:
            return True
        if word not in _SPEAKER_WORDS_AR and bare not in _SPEAKER_WORDS_AR:
            return False
    return False


def _journey_role(window: _Window, start: int, m: Resolved, previous_end: int) -> str | None:
    """origin / destination / transit from the word before the mention (no mention between)."""
    words = window.folded(max(start, previous_end, m.match.start - 40), m.match.start).split()
    words = words[-4:]
    for word in reversed(words):
        bare = word[1:] if len(word) > 2 and word[0] in ("و", "ف") else word
        if bare in _VIA:
            return "transit"
        if bare in _TO:
            return "destination"
        if bare in _FROM:
            return "origin"
    return None


def _province(source: str, window: _Window, m: Resolved) -> bool:
    words = window.folded(m.match.start, m.match.end).split()
    if any(w in _PROVINCE_WORDS for w in words) or m.place.kind in ("governorate", "district"):
        return True
    before = window.folded(m.match.start - 25, m.match.start).split()[-2:]
    if any(w in _PROVINCE_WORDS or w[1:] in _PROVINCE_WORDS for w in before):
        return True
    return bool(_PROVINCE_AFTER.match(source[m.match.end : m.match.end + 20]))


def _lists(source: str, mentions: Sequence[Resolved]) -> list[int]:
    """Each mention's list length (1: in no list of three or more places)."""
    sizes = [1] * len(mentions)
    run = [0] if mentions else []
    for i in range(1, len(mentions) + 1):
        if i < len(mentions):
            gap = source[mentions[i - 1].match.end : mentions[i].match.start]
            if _LIST_GAP.match(gap):
                run.append(i)
                continue
        if len(run) >= _LIST_MIN:
            for j in run:
                sizes[j] = len(run)
        run = [i]
    return sizes


def assign_roles(
    folded: Folded,
    mentions: Sequence[Resolved],
    names_event: Callable[[str], bool],
    *,
    body: bool = True,
) -> Roles:
    """Roles of ``mentions`` (in text order) in ``folded.source``; ``names_event`` tells whether a
    sentence (folded, padded with spaces) reports an event. A title (``body=False``) has no
    dateline: "Idlib: strikes kill 12" is about Idlib."""
    if not mentions:
        return Roles([], [])
    source = folded.source
    window = _Window(folded)
    lines = _lines(source)
    dateline = dateline_end(source) if body else 0
    spans = sentences(source)
    starts = [a for a, _ in spans]
    eventful: dict[int, bool] = {}
    journeys: dict[int, bool] = {}
    sizes = _lists(source, mentions)
    roles: list[str] = []
    previous_end = 0
    for i, m in enumerate(mentions):
        k = max(0, bisect_right(starts, m.match.start) - 1)
        s_start, s_end = spans[k] if spans else (0, len(source))
        if k not in eventful:
            words = f" {window.folded(s_start, s_end).strip()} "
            eventful[k] = names_event(words)
            journeys[k] = any(w in _JOURNEY for w in words.split())
        role = "mention"
        if any(a <= m.match.start < b for a, b in lines["tag"]):
            role = "tag"
        elif any(a <= m.match.start < b for a, b in lines["byline"]):
            role = "byline"
        elif m.match.start < dateline:
            role = "dateline"
        elif _speaker(source, window, m):
            role = "speaker"
        elif sizes[i] >= _LIST_MIN:
            role = "list"
        elif journeys[k] and (
            journey := _journey_role(window, s_start, m, previous_end if i else 0)
        ):
            role = journey
        elif _province(source, window, m):
            role = "province"
        elif eventful[k]:
            role = "event"
        roles.append(role)
        previous_end = m.match.end
    return Roles(roles, sizes)
