"""ACLED's event taxonomy (codebook 2023/2024), the governorates and the precision codes."""

from __future__ import annotations

EVENT_TYPES: dict[str, tuple[str, ...]] = {
    "Battles": (
        "Armed clash",
        "Government regains territory",
        "Non-state actor overtakes territory",
    ),
    "Explosions/Remote violence": (
        "Chemical weapon",
        "Air/drone strike",
        "Suicide bomb",
        "Shelling/artillery/missile attack",
        "Remote explosive/landmine/IED",
        "Grenade",
    ),
    "Violence against civilians": (
        "Sexual violence",
        "Attack",
        "Abduction/forced disappearance",
    ),
    "Protests": (
        "Peaceful protest",
        "Protest with intervention",
        "Excessive force against protesters",
    ),
    "Riots": ("Violent demonstration", "Mob violence"),
    "Strategic developments": (
        "Agreement",
        "Arrests",
        "Change to group/activity",
        "Disrupted weapons use",
        "Headquarters or base established",
        "Looting/property destruction",
        "Non-violent transfer of territory",
        "Other",
    ),
}

SUB_EVENT_TYPES: dict[str, str] = {
    sub: parent for parent, subs in EVENT_TYPES.items() for sub in subs
}

# The names in Arabic, as the map page shows them (ACLED publishes its codebook in English
# only: these are the project's, in the wording of Arabic conflict reporting).
EVENT_TYPES_AR: dict[str, str] = {
    "Battles": "معارك",
    "Explosions/Remote violence": "انفجارات / عنف عن بُعد",
    "Violence against civilians": "عنف ضد المدنيين",
    "Protests": "احتجاجات",
    "Riots": "أعمال شغب",
    "Strategic developments": "تطورات استراتيجية",
}
SUB_EVENT_TYPES_AR: dict[str, str] = {
    "Armed clash": "اشتباك مسلح",
    "Government regains territory": "استعادة الحكومة السيطرة على أراضٍ",
    "Non-state actor overtakes territory": "سيطرة جهة غير حكومية على أراضٍ",
    "Chemical weapon": "سلاح كيميائي",
    "Air/drone strike": "غارة جوية / بطائرة مسيّرة",
    "Suicide bomb": "تفجير انتحاري",
    "Shelling/artillery/missile attack": "قصف مدفعي / صاروخي",
    "Remote explosive/landmine/IED": "عبوة ناسفة / لغم / تفجير عن بُعد",
    "Grenade": "قنبلة يدوية",
    "Sexual violence": "عنف جنسي",
    "Attack": "اعتداء",
    "Abduction/forced disappearance": "اختطاف / إخفاء قسري",
    "Peaceful protest": "احتجاج سلمي",
    "Protest with intervention": "احتجاج تدخّلت فيه السلطات",
    "Excessive force against protesters": "قوة مفرطة ضد المحتجين",
    "Violent demonstration": "تظاهرة عنيفة",
    "Mob violence": "عنف الحشود",
    "Agreement": "اتفاق",
    "Arrests": "اعتقالات",
    "Change to group/activity": "تغيّر في جماعة أو نشاطها",
    "Disrupted weapons use": "إحباط استخدام أسلحة",
    "Headquarters or base established": "إنشاء مقر أو قاعدة",
    "Looting/property destruction": "نهب / تدمير ممتلكات",
    "Non-violent transfer of territory": "انتقال السيطرة على أراضٍ دون قتال",
    "Other": "أخرى",
}

# OCHA COD-AB admin-1 pcodes, with OCHA's English names and the Arabic names.
GOVERNORATES: dict[str, tuple[str, str]] = {
    "SY01": ("Damascus", "دمشق"),
    "SY02": ("Aleppo", "حلب"),
    "SY03": ("Rural Damascus", "ريف دمشق"),
    "SY04": ("Homs", "حمص"),
    "SY05": ("Hama", "حماة"),
    "SY06": ("Lattakia", "اللاذقية"),
    "SY07": ("Idleb", "إدلب"),
    "SY08": ("Al-Hasakeh", "الحسكة"),
    "SY09": ("Deir-ez-Zor", "دير الزور"),
    "SY10": ("Tartous", "طرطوس"),
    "SY11": ("Ar-Raqqa", "الرقة"),
    "SY12": ("Dar'a", "درعا"),
    "SY13": ("As-Sweida", "السويداء"),
    "SY14": ("Quneitra", "القنيطرة"),
}

STATUSES = ("draft", "published", "retracted")
ACTOR_SIDES = ("actor1", "actor2", "assoc_actor_1", "assoc_actor_2")

PLACE_KINDS: dict[str, str] = {
    # kind -> class, the grouping used by filters and by the geoparsing benchmark
    "country": "admin",
    "governorate": "admin",
    "district": "admin",
    "subdistrict": "admin",
    "city": "settlement",
    "town": "settlement",
    "village": "settlement",
    "neighbourhood": "settlement",
    "camp": "settlement",
    "airport": "facility",
    "air_base": "facility",
    "military_base": "facility",
    "border_crossing": "facility",
    "dam": "facility",
    "oil_field": "facility",
    "gas_field": "facility",
    "power_plant": "facility",
    "prison": "facility",
    "port": "facility",
    "bridge": "facility",
    "checkpoint": "facility",
    "road": "region",
    "region": "region",
    "mountain": "region",
    "river": "region",
}


def canonical(value: str, choices: tuple[str, ...] | list[str]) -> str | None:
    """The choice that equals ``value`` ignoring case and surrounding space, if any."""
    folded = value.strip().casefold()
    for choice in choices:
        if choice.casefold() == folded:
            return choice
    return None
