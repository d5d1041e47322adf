"""Words that name an actor, count the dead, or mark an intention rather than an event (both
languages); the event types' cues are in ``app.geoparse.lexicon``.

Entries are written naturally and folded once at import; matching runs on folded text.
"""

from __future__ import annotations

from app.geoparse.text import fold_name

GOVERNMENT = "Military Forces of Syria (2000-2024)"
_RAW_ACTORS: dict[str, tuple[str, ...]] = {
    GOVERNMENT: (
        "قوات النظام",
        "قوات الأسد",
        "الجيش السوري",
        "قوات الحكومة",
        "جيش النظام",
        "government forces",
        "regime forces",
        "syrian army",
        "syrian government forces",
        "pro-government forces",
    ),
    "Islamic State (Syria)": (
        "تنظيم الدولة",
        "داعش",
        "الدولة الإسلامية",
        "islamic state",
        "isis",
        "isil",
        "is fighters",
    ),
    "SDF: Syrian Democratic Forces": (
        "قسد",
        "قوات سوريا الديمقراطية",
        "sdf",
        "syrian democratic forces",
    ),
    "HTS: Hayat Tahrir al-Sham": (
        "هيئة تحرير الشام",
        "hts",
        "hayat tahrir al-sham",
        "tahrir al-sham",
    ),
    "SNA: Syrian National Army": ("الجيش الوطني", "syrian national army", "sna"),
    "Opposition Rebels (Syria)": (
        "الجيش الحر",
        "فصائل المعارضة",
        "المعارضة المسلحة",
        "free syrian army",
        "fsa",
        "rebels",
        "opposition fighters",
    ),
    "Military Forces of Russia (2000-)": (
        "الروسي",
        "الروسية",
        "القوات الروسية",
        "russian forces",
        "russian warplanes",
        "russian aircraft",
    ),
    "Military Forces of Turkey (2016-)": (
        "الجيش التركي",
        "القوات التركية",
        "turkish forces",
        "turkish army",
        "turkish drone",
    ),
    "Military Forces of Israel (2009-)": ("إسرائيلية", "الإسرائيلي", "israeli", "israel"),
    "Military Forces of the United States (2017-2021)": (
        "التحالف الدولي",
        "القوات الأمريكية",
        "us-led coalition",
        "international coalition",
        "us forces",
    ),
    "Civilians (Syria)": ("مدنيين", "مدنيون", "المدنيين", "civilians", "civilian"),
    "Protesters (Syria)": ("متظاهرين", "المتظاهرين", "متظاهرون", "protesters"),
}
ACTOR_CUES: dict[str, tuple[str, ...]] = {
    actor: tuple(fold_name(c) for c in cues) for actor, cues in _RAW_ACTORS.items()
}

DEATH_WORDS = tuple(
    fold_name(w)
    for w in (
        "مقتل",
        "قتلى",
        "قتيل",
        "قتيلا",
        "قتيلاً",
        "قتل",
        "استشهاد",
        "شهداء",
        "مصرع",
        "ضحايا",
        "killed",
        "killing",
        "dead",
        "deaths",
        "died",
        "fatalities",
        "lives",
    )
)
NUMBER_WORDS = {
    **{
        fold_name(w): n
        for n, w in enumerate(
            (
                "صفر",
                "واحد",
                "اثنين",
                "ثلاثة",
                "أربعة",
                "خمسة",
                "ستة",
                "سبعة",
                "ثمانية",
                "تسعة",
                "عشرة",
            )
        )
    },
    fold_name("اثنان"): 2,
    fold_name("شخصين"): 2,
    fold_name("عنصرين"): 2,
    **{
        w: n
        for n, w in enumerate(
            (
                "zero",
                "one",
                "two",
                "three",
                "four",
                "five",
                "six",
                "seven",
                "eight",
                "nine",
                "ten",
                "eleven",
                "twelve",
            )
        )
    },
}

# A cue right after these words is an intention or a threat, not an event that happened:
# "تعتزم السيطرة على", "بهدف السيطرة", "plans to capture", "threatened to shell".
INTENT_MARKERS = tuple(
    fold_name(w)
    for w in (
        "منع",
        "لمنع",
        "prevent",
        "to prevent",
        "تعتزم",
        "يعتزم",
        "تنوي",
        "ينوي",
        "تنويان",
        "تسعى",
        "يسعى",
        "بهدف",
        "لشن",
        "تخطط",
        "يخطط",
        "تهدد",
        "يهدد",
        "سوف",
        "محاولة",
        "تستعد",
        "يستعد",
        "plans to",
        "plan to",
        "intends to",
        "intend to",
        "will",
        "would",
        "aims to",
        "aim to",
        "threatened to",
        "threatens to",
        "in order to",
        "seeking to",
        "seeks to",
        "attempt to",
        "preparing to",
        "prepares to",
    )
)
