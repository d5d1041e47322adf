"""The shape of the synthetic data: centres, weights, word pools and actors.

Weights are relative. Coordinates are approximate (good to a few km), which is all a
benchmark needs; they are not a gazetteer.
"""

from __future__ import annotations

from typing import NamedTuple


class Centre(NamedTuple):
    slug: str
    name_en: str
    name_ar: str
    kind: str
    lon: float
    lat: float
    governorate: str
    weight: float
    sigma: float  # degrees: how far its villages (and so its events) spread


CENTRES: tuple[Centre, ...] = (
    Centre("damascus", "Damascus", "دمشق", "city", 36.2913, 33.5138, "SY01", 5, 0.05),
    Centre("douma", "Douma", "دوما", "city", 36.4017, 33.5722, "SY03", 6, 0.06),
    Centre("harasta", "Harasta", "حرستا", "town", 36.3667, 33.5583, "SY03", 3, 0.04),
    Centre("darayya", "Darayya", "داريا", "town", 36.2361, 33.4588, "SY03", 3, 0.04),
    Centre("zabadani", "Zabadani", "الزبداني", "town", 36.0975, 33.7247, "SY03", 2, 0.06),
    Centre("yabroud", "Yabroud", "يبرود", "town", 36.6578, 33.9672, "SY03", 1, 0.08),
    Centre("aleppo", "Aleppo", "حلب", "city", 37.1343, 36.2021, "SY02", 12, 0.10),
    Centre("azaz", "Azaz", "أعزاز", "town", 37.0497, 36.5864, "SY02", 2, 0.06),
    Centre("al-bab", "Al-Bab", "الباب", "city", 37.5167, 36.3708, "SY02", 3, 0.08),
    Centre("manbij", "Manbij", "منبج", "city", 37.9500, 36.5281, "SY02", 2, 0.10),
    Centre("kobani", "Ayn al-Arab", "عين العرب", "town", 38.3575, 36.8911, "SY02", 1, 0.08),
    Centre("afrin", "Afrin", "عفرين", "town", 36.8703, 36.5119, "SY02", 2, 0.08),
    Centre(
        "kuweires", "Kuweires Airbase", "مطار كويرس", "air_base", 37.5833, 36.1867, "SY02", 1, 0.03
    ),
    Centre("idleb", "Idleb", "إدلب", "city", 36.6339, 35.9306, "SY07", 8, 0.10),
    Centre(
        "maarat-al-numan",
        "Maarat al-Numan",
        "معرة النعمان",
        "city",
        36.6719,
        35.6431,
        "SY07",
        5,
        0.08,
    ),
    Centre(
        "jisr-al-shughur",
        "Jisr al-Shughur",
        "جسر الشغور",
        "town",
        36.3181,
        35.8125,
        "SY07",
        3,
        0.08,
    ),
    Centre("saraqib", "Saraqib", "سراقب", "town", 36.8000, 35.8647, "SY07", 3, 0.06),
    Centre(
        "khan-shaykhun", "Khan Shaykhun", "خان شيخون", "town", 36.6389, 35.4414, "SY07", 3, 0.06
    ),
    Centre("homs", "Homs", "حمص", "city", 36.7235, 34.7324, "SY04", 6, 0.08),
    Centre("al-qusayr", "Al-Qusayr", "القصير", "town", 36.5794, 34.5089, "SY04", 1, 0.06),
    Centre("rastan", "Ar-Rastan", "الرستن", "town", 36.7333, 34.9267, "SY04", 2, 0.05),
    Centre("palmyra", "Tadmor", "تدمر", "city", 38.2680, 34.5600, "SY04", 2, 0.20),
    Centre(
        "shayrat", "Shayrat Airbase", "مطار الشعيرات", "air_base", 36.9069, 34.4906, "SY04", 1, 0.03
    ),
    Centre("al-tanf", "At-Tanf", "التنف", "military_base", 38.6333, 33.5139, "SY04", 0.5, 0.05),
    Centre("hama", "Hama", "حماة", "city", 36.7500, 35.1318, "SY05", 4, 0.10),
    Centre("salamiyah", "As-Salamiyeh", "السلمية", "city", 37.0531, 35.0113, "SY05", 1, 0.10),
    Centre("mhardeh", "Mhardeh", "محردة", "town", 36.5731, 35.2489, "SY05", 2, 0.06),
    Centre("lattakia", "Lattakia", "اللاذقية", "city", 35.7900, 35.5317, "SY06", 2, 0.08),
    Centre(
        "hmeimim",
        "Hmeimim Airbase",
        "قاعدة حميميم",
        "air_base",
        35.9486,
        35.4011,
        "SY06",
        0.5,
        0.02,
    ),
    Centre("tartous", "Tartous", "طرطوس", "city", 35.8867, 34.8890, "SY10", 0.5, 0.06),
    Centre("baniyas", "Baniyas", "بانياس", "city", 35.9403, 35.1822, "SY10", 0.5, 0.05),
    Centre("raqqa", "Ar-Raqqa", "الرقة", "city", 39.0094, 35.9528, "SY11", 5, 0.12),
    Centre("tabqa", "Ath-Thawrah", "الطبقة", "city", 38.5475, 35.8367, "SY11", 2, 0.06),
    Centre("tell-abyad", "Tell Abiad", "تل أبيض", "town", 38.9500, 36.6975, "SY11", 1, 0.08),
    Centre("deir-ez-zor", "Deir-ez-Zor", "دير الزور", "city", 40.1408, 35.3359, "SY09", 7, 0.10),
    Centre("al-mayadin", "Al Mayadin", "الميادين", "city", 40.4525, 35.0189, "SY09", 3, 0.08),
    Centre("abu-kamal", "Abu Kamal", "البوكمال", "city", 40.9181, 34.4522, "SY09", 3, 0.08),
    Centre("hasakeh", "Al-Hasakeh", "الحسكة", "city", 40.7478, 36.5024, "SY08", 2, 0.12),
    Centre("qamishli", "Qamishli", "القامشلي", "city", 41.2256, 37.0522, "SY08", 1, 0.08),
    Centre("ras-al-ain", "Ras al Ain", "رأس العين", "town", 40.0731, 36.8503, "SY08", 1, 0.06),
    Centre("daraa", "Dar'a", "درعا", "city", 36.1064, 32.6189, "SY12", 5, 0.10),
    Centre("nawa", "Nawa", "نوى", "town", 36.0428, 32.8878, "SY12", 2, 0.06),
    Centre("sweida", "As-Sweida", "السويداء", "city", 36.5662, 32.7090, "SY13", 1, 0.10),
    Centre("quneitra", "Quneitra", "القنيطرة", "city", 35.8244, 33.1256, "SY14", 0.5, 0.05),
    Centre(
        "khan-arnabah", "Khan Arnabah", "خان أرنبة", "town", 35.8822, 33.1769, "SY14", 0.5, 0.04
    ),
)

# Syria's extent: jittered points are clamped to it.
LON_RANGE = (35.7, 42.4)
LAT_RANGE = (32.3, 37.3)

# 2011-2024, heaviest in 2013-2017 as in ACLED's Syria series.
YEAR_WEIGHTS: dict[int, float] = dict(
    zip(range(2011, 2025), (2, 6, 12, 13, 13, 13, 11, 8, 6, 5, 4, 3, 2.5, 1.5), strict=True)
)

# Applied to the (event_type, sub_event_type) rows read from the event_types table.
TYPE_WEIGHTS: dict[str, float] = {
    "Explosions/Remote violence": 45,
    "Battles": 28,
    "Violence against civilians": 10,
    "Strategic developments": 9,
    "Protests": 6,
    "Riots": 2,
}
SUB_TYPE_WEIGHTS: dict[str, float] = {
    "Shelling/artillery/missile attack": 6,
    "Air/drone strike": 5,
    "Armed clash": 8,
    "Remote explosive/landmine/IED": 2,
    "Attack": 3,
    "Peaceful protest": 4,
    "Abduction/forced disappearance": 2,
    "Looting/property destruction": 2,
    "Arrests": 2,
}


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


# Most common first: picks are skewed towards the head of each list.
WORDS_EN = _words(
    """
    forces shelling regime killed village town reported countryside civilians clashes airstrike
    fighters injured military armed attack opposition positions targeted area artillery rebel
    government checkpoint drone missile barrel bombs houses residential neighbourhood market
    hospital school mosque road convoy soldiers militia members detained protest demonstrators
    unknown gunmen explosion IED vehicle mortar rockets fatalities wounded casualties displaced
    families siege offensive frontline captured withdrew ceasefire agreement Russian Turkish
    Kurdish coalition Islamic State Hayat Tahrir al-Sham Free Syrian Army Democratic Hezbollah
    Iranian tunnel sniper landmine chemical chlorine bakery water station bridge
"""
)
WORDS_AR = _words(
    """
    قصف قوات النظام مقتل مدنيين اشتباكات بلدة قرية ريف غارة جوية مدفعي صواريخ براميل متفجرة
    طيران حربي مسيرة إصابة جرحى شهداء عناصر فصائل المعارضة مسلحين مجهولين انفجار عبوة ناسفة
    سيارة مفخخة حاجز اعتقال مظاهرة محتجين حي سكني سوق مشفى مدرسة مسجد طريق رتل عسكري هجوم سيطرة
    انسحاب هدنة اتفاق نزوح حصار الدولة الإسلامية هيئة تحرير الشام الجيش الحر الروسي التركي قسد
"""
)

# (name, Arabic name, ACLED inter code), most active first.
ACTORS: tuple[tuple[str, str, int], ...] = (
    ("Military Forces of Syria (2000-2024)", "قوات النظام السوري", 1),
    ("Unidentified Armed Group (Syria)", "مجموعة مسلحة مجهولة", 3),
    ("Civilians (Syria)", "مدنيون", 7),
    ("Military Forces of Russia (2000-)", "القوات الروسية", 8),
    ("Islamic State (Syria)", "تنظيم الدولة الإسلامية", 2),
    ("Hayat Tahrir al-Sham", "هيئة تحرير الشام", 2),
    ("SDF: Syrian Democratic Forces", "قوات سوريا الديمقراطية", 2),
    ("Free Syrian Army", "الجيش السوري الحر", 2),
    ("Syrian National Army", "الجيش الوطني السوري", 2),
    ("Military Forces of Turkey (2016-)", "القوات التركية", 8),
    ("NDF: National Defence Forces", "قوات الدفاع الوطني", 3),
    ("Hezbollah", "حزب الله", 8),
    ("Jabhat al-Nusra", "جبهة النصرة", 2),
    ("Ahrar al-Sham", "أحرار الشام", 2),
    ("Jaish al-Islam", "جيش الإسلام", 2),
    ("Faylaq al-Rahman", "فيلق الرحمن", 2),
    ("Protesters (Syria)", "متظاهرون", 6),
    ("Police Forces of Syria (2000-2024)", "الشرطة السورية", 1),
    ("International Coalition Against Islamic State", "التحالف الدولي", 8),
    ("YPG: People's Protection Units", "وحدات حماية الشعب", 2),
    ("Military Forces of Iran (1989-)", "القوات الإيرانية", 8),
    ("Military Forces of Israel (2022-)", "القوات الإسرائيلية", 8),
    ("Military Forces of the United States (2021-)", "القوات الأمريكية", 8),
    ("National Front for Liberation", "الجبهة الوطنية للتحرير", 2),
    ("Jaysh al-Izza", "جيش العزة", 2),
    ("Nour al-Din al-Zenki Movement", "حركة نور الدين الزنكي", 2),
    ("Failaq al-Sham", "فيلق الشام", 2),
    ("Hurras al-Din", "حراس الدين", 2),
    ("Turkistan Islamic Party", "الحزب الإسلامي التركستاني", 2),
    ("Southern Front", "الجبهة الجنوبية", 2),
    ("Liwa al-Tawhid", "لواء التوحيد", 2),
    ("Sultan Murad Division", "فرقة السلطان مراد", 2),
    ("Hamza Division", "فرقة الحمزة", 2),
    ("Republican Guard of Syria", "الحرس الجمهوري", 1),
    ("Fourth Armoured Division of Syria", "الفرقة الرابعة", 1),
    ("Tiger Forces", "قوات النمر", 3),
    ("Liwa Fatemiyoun", "لواء فاطميون", 3),
    ("Liwa al-Quds", "لواء القدس", 3),
    ("Baqir Brigade", "لواء الباقر", 3),
    ("Desert Hawks Brigade", "صقور الصحراء", 3),
    ("Asayish", "الأسايش", 3),
    ("Sootoro", "السوتورو", 3),
    ("Men of Dignity", "رجال الكرامة", 3),
    ("Shaitat Tribal Militia (Syria)", "عشيرة الشعيطات", 4),
    ("Baggara Tribal Militia (Syria)", "عشيرة البكارة", 4),
    ("Druze Militia (Syria)", "فصيل درزي", 4),
    ("Unidentified Tribal Militia (Syria)", "مجموعة عشائرية مجهولة", 4),
    ("Rioters (Syria)", "مثيرو شغب", 5),
    ("Protesters (International)", "متظاهرون أجانب", 6),
    ("Civilians (Iraq)", "مدنيون عراقيون", 7),
    ("Civilians (Palestine)", "مدنيون فلسطينيون", 7),
    ("Aid Workers (Syria)", "عمال إغاثة", 7),
    ("Journalists (Syria)", "صحفيون", 7),
    ("Health Workers (Syria)", "عاملون صحيون", 7),
    ("Teachers (Syria)", "معلمون", 7),
    ("Prisoners (Syria)", "سجناء", 7),
    ("Refugees/IDPs (Syria)", "نازحون", 7),
    ("Military Security Shield Forces", "درع الأمن العسكري", 3),
    ("Jaish al-Fateh", "جيش الفتح", 2),
    ("UN: United Nations", "الأمم المتحدة", 8),
)

RETRACTION_REASONS: tuple[str, ...] = (
    "Duplicate of another event",
    "Source retracted the report",
    "Location could not be verified",
    "Date could not be verified",
)

VILLAGE_PREFIXES_EN: tuple[str, ...] = ("Tell", "Kafr", "Ain", "Deir", "Khirbet", "Beit", "Jubb")
VILLAGE_PREFIXES_AR: tuple[str, ...] = ("تل", "كفر", "عين", "دير", "خربة", "بيت", "جب")


def slots(weights: list[float], size: int = 1000) -> list[int]:
    """1-based indexes repeated in proportion to their weight: a uniform pick is weighted."""
    total = sum(weights)
    out: list[int] = []
    for i, w in enumerate(weights, start=1):
        out.extend([i] * max(1, round(size * w / total)))
    return out
