"""Words that signal an ACLED event type, name an actor, or count the dead (both languages).

Entries are written naturally and folded once at import; matching runs on folded text.
The order of SUB_EVENT_CUES is the priority when a sentence holds several cues.
"""

from __future__ import annotations

from app.geoparse.text import fold_name

_RAW_CUES: list[tuple[str, tuple[str, ...]]] = [
    (
        "Chemical weapon",
        (
            "هجوم كيماوي",
            "غاز السارين",
            "غاز الكلور",
            "بالسلاح الكيماوي",
            "chemical attack",
            "chemical weapon",
            "sarin",
            "chlorine gas",
        ),
    ),
    (
        "Suicide bomb",
        (
            "انتحاري",
            "انتحارية",
            "suicide bomber",
            "suicide bombing",
            "suicide attack",
            "suicide car bomb",
        ),
    ),
    (
        "Remote explosive/landmine/IED",
        (
            "عبوة ناسفة",
            "لغم",
            "سيارة مفخخة",
            "دراجة مفخخة",
            "انفجار عبوة",
            "landmine",
            "roadside bomb",
            "car bomb",
            "improvised explosive",
            "ied",
            "explosive device",
            "explosion",
            "explosions",
            "blast",
            "انفجار",
            "تفجير",
            "تفجيرين",
            "تفجيرات",
            "مفخخة",
        ),
    ),
    (
        "Air/drone strike",
        (
            "غارة",
            "غارات",
            "قصف جوي",
            "الطيران الحربي",
            "طائرات حربية",
            "طائرة مسيرة",
            "طائرات مسيرة",
            "الطيران الروسي",
            "airstrike",
            "airstrikes",
            "air strike",
            "air strikes",
            "air raid",
            "air raids",
            "drone strike",
            "warplanes",
            "bombed by aircraft",
            "jets",
            "barrel bomb",
            "barrel bombs",
            "براميل متفجرة",
            "الطيران المروحي",
            "drone",
            "drones",
        ),
    ),
    (
        "Shelling/artillery/missile attack",
        (
            "قصف مدفعي",
            "قصف صاروخي",
            "قذائف",
            "قذيفة",
            "صواريخ",
            "راجمات",
            "هاون",
            "قصفت",
            "قصف",
            "shelling",
            "shelled",
            "artillery",
            "rocket",
            "rockets",
            "missile",
            "missiles",
            "mortar",
            "pounded",
            "shells",
            "howitzers",
            "بالمدفعية",
        ),
    ),
    (
        "Excessive force against protesters",
        ("النار على المتظاهرين", "fired on protesters", "opened fire on protesters"),
    ),
    (
        "Protest with intervention",
        ("فرقت المتظاهرين", "تفريق المتظاهرين", "dispersed protesters", "dispersed the protest"),
    ),
    (
        "Peaceful protest",
        (
            "مظاهرة",
            "مظاهرات",
            "تظاهر",
            "وقفة احتجاجية",
            "احتجاجات",
            "protest",
            "protests",
            "protesters",
            "demonstration",
            "rally",
        ),
    ),
    ("Violent demonstration", ("أعمال شغب", "riot", "rioters")),
    (
        "Abduction/forced disappearance",
        ("اختطاف", "خطف", "اختطفت", "الإخفاء القسري", "abducted", "kidnapped", "abduction"),
    ),
    (
        "Attack",
        (
            "إعدام",
            "أعدم",
            "مجزرة",
            "إطلاق نار",
            "إطلاق النار",
            "لإطلاق نار",
            "بإطلاق نار",
            "برصاص",
            "اغتيال",
            "executed",
            "massacre",
            "shot dead",
            "opened fire",
            "came under fire",
            "fired on",
            "ambushed",
            "gunmen",
            "assassinated",
        ),
    ),
    (
        "Arrests",
        (
            "اعتقال",
            "اعتقلت",
            "حملة اعتقالات",
            "حملة دهم",
            "arrested",
            "detained",
            "arrest campaign",
        ),
    ),
    (
        "Agreement",
        ("اتفاق", "هدنة", "تسوية", "وقف إطلاق النار", "agreement", "truce", "ceasefire", "deal"),
    ),
    (
        "Government regains territory",
        ("استعادت", "استعادة السيطرة", "regained", "recaptured", "retook"),
    ),
    (
        "Non-state actor overtakes territory",
        (
            "سيطرت",
            "من السيطرة",
            "بسطت سيطرتها",
            "أحكمت سيطرتها",
            "سيطر",
            "السيطرة على",
            "captured",
            "seized",
            "took control",
        ),
    ),
    (
        "Armed clash",
        (
            "اشتباكات",
            "اشتباك",
            "معارك",
            "مواجهات",
            "clashes",
            "clashed",
            "fighting",
            "battle",
            "battles",
            "firefight",
            "هجوم",
            "هاجم",
            "هاجمت",
            "هاجموا",
            "attacked",
            "assault",
            "counter-attacked",
        ),
    ),
    (
        "Headquarters or base established",
        ("نقطة مراقبة", "قاعدة جديدة", "observation post", "established a base"),
    ),
    ("Other", ("تعزيزات", "reinforcements")),
]
SUB_EVENT_CUES: list[tuple[str, tuple[str, ...]]] = [
    (sub, tuple(fold_name(c) for c in cues)) for sub, cues in _RAW_CUES
]

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
