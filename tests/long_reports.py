"""Long, place-dense reports in Arabic and English, as a UN Commission of Inquiry or NGO report
of 50-100 pages reads: incident after incident, each naming a town, its countryside, the
villages around it and the road or base involved.

Written for these tests: sentences are built from templates and the built-in gazetteer's names
(every name below is one of its places), with a seeded generator, so a report is the same on
every run. Not copied from any real report.
"""

from __future__ import annotations

import random

AR_TOWNS = (
    "حلب", "إدلب", "حماة", "حمص", "دير الزور", "الرقة", "درعا", "دوما", "حرستا", "عربين",
    "زملكا", "سراقب", "معرة النعمان", "خان شيخون", "منبج", "عفرين", "تل رفعت", "الميادين",
    "البوكمال", "تدمر", "السخنة", "القامشلي", "الحسكة", "جبلة", "عين عيسى", "تل أبيض",
    "رأس العين", "اللاذقية", "طرطوس", "السويداء", "القنيطرة", "داريا", "يبرود", "الزبداني",
)  # fmt: skip
AR_REGIONS = (
    "الغوطة الشرقية", "جبل الزاوية", "ريف حمص الشرقي", "سهل الغاب", "القلمون الشرقي",
    "وادي بردى", "البادية السورية", "جبل الأكراد", "جبل التركمان", "حوران", "اللجاة",
)  # fmt: skip
AR_FACILITIES = (
    "مطار دير الزور العسكري", "مطار كويرس العسكري", "مطار الشعيرات العسكري", "معبر باب الهوى",
    "معبر نصيب", "سد تشرين", "حقل العمر النفطي", "مطار حماة العسكري", "مخيم الهول",
    "سجن صيدنايا", "مطار تفتناز العسكري", "مطار أبو الظهور العسكري",
)  # fmt: skip
AR_DAYS = ("الأحد", "الاثنين", "الثلاثاء", "الأربعاء", "الخميس", "الجمعة", "السبت")
AR_MONTHS = ("كانون الثاني", "شباط", "آذار", "نيسان", "أيار", "حزيران", "تموز", "آب", "أيلول")
AR_TEMPLATES = (
    "في {d} {m} 2018، شنّت طائرات حربية غارات على مدينة {t1} وقرى محيطة بها في {r}، ما أدى "
    "إلى مقتل {n} مدنيين بينهم أطفال، وتضرر مستشفى ميداني قرب {t2}.",
    "وثّقت اللجنة قصفاً مدفعياً لقوات النظام على أحياء سكنية في {t1} انطلاقاً من مواقعها في "
    "{f}، واستمر القصف حتى ساعات الفجر.",
    "اندلعت اشتباكات عنيفة بين فصائل المعارضة وقوات النظام على محور {t1} و{t2} في {r}، "
    "وسيطرت الفصائل على تلال مشرفة على الطريق بين {t3} و{t2}.",
    "أفاد شهود بأن عبوة ناسفة انفجرت في سوق {t1} يوم {wd}، ما أسفر عن مقتل {n} أشخاص "
    "وإصابة آخرين نقلوا إلى مشافي {t2}.",
    "نزح آلاف المدنيين من {t1} و{t2} نحو مخيمات قرب {f} هرباً من القصف على {r}.",
    "خرجت مظاهرة سلمية في {t1} طالب فيها المحتجون بالإفراج عن معتقلين نقلوا من {t2} إلى "
    "{f}، وفرّقتها قوات الأمن بالرصاص الحي.",
    "استعادت قوات النظام السيطرة على {t1} بعد معارك مع تنظيم الدولة في {r} قرب {f}.",
    "قصفت طائرة مسيرة سيارة على الطريق بين {t1} و{t2}، ما أدى إلى مقتل {n} عناصر من "
    "قوات سوريا الديمقراطية.",
    "وتلقت اللجنة روايات متطابقة من سكان {t1} و{t2} و{t3} عن اعتقالات تعسفية ونهب للمنازل "
    "خلال الأسابيع التي تلت سيطرة القوات على {r}.",
    "وتقع {t1} على بعد نحو عشرين كيلومتراً من {t2}، وكانت قبل النزاع مركزاً زراعياً مهماً لقرى {r}.",
)
EN_TOWNS = (
    "Aleppo", "Idlib", "Hama", "Homs", "Deir ez-Zor", "Raqqa", "Daraa", "Douma", "Harasta",
    "Arbin", "Zamalka", "Saraqib", "Maarat al-Numan", "Khan Sheikhoun", "Manbij", "Afrin",
    "Tal Rifaat", "Mayadin", "Albu Kamal", "Palmyra", "Sukhnah", "Qamishli", "Hasakah", "Jableh",
    "Ain Issa", "Tal Abyad", "Ras al-Ain", "Latakia", "Tartus", "Sweida", "Quneitra", "Kobani",
)  # fmt: skip
EN_REGIONS = (
    "Eastern Ghouta", "Jabal al-Zawiya", "eastern Homs countryside", "Ghab plain",
    "Eastern Qalamoun", "Wadi Barada", "Syrian Badia", "Jabal al-Akrad", "Jabal al-Turkman",
    "Hauran", "Lajat",
)  # fmt: skip
EN_FACILITIES = (
    "Deir ez-Zor military airport", "Kuweires airbase", "Shayrat airbase", "Bab al-Hawa crossing",
    "Nasib crossing", "Tishrin Dam", "al-Omar oil field", "Hama military airport", "al-Hol camp",
    "Sednaya prison", "Taftanaz airbase", "Abu al-Duhur airbase",
)  # fmt: skip
EN_DAYS = ("Sunday", "Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday")
EN_MONTHS = ("January", "February", "March", "April", "May", "June", "July", "August")
EN_TEMPLATES = (
    "On {d} {m} 2018, warplanes carried out airstrikes on the town of {t1} and surrounding "
    "villages in {r}, killing {n} civilians, among them children, and damaging a field "
    "hospital near {t2}.",
    "The Commission documented artillery shelling by government forces on residential areas of "
    "{t1} from their positions at {f}, which continued until dawn.",
    "Heavy clashes broke out between armed opposition groups and government forces on the "
    "{t1}-{t2} front in {r}; the groups captured hills overlooking the road between {t3} and "
    "{t2}.",
    "Witnesses said a roadside bomb exploded in the market of {t1} on {wd}, killing {n} people "
    "and wounding others who were taken to hospitals in {t2}.",
    "Thousands of civilians fled {t1} and {t2} towards camps near {f} to escape the shelling "
    "of {r}.",
    "A peaceful demonstration in {t1} demanded the release of detainees transferred from {t2} "
    "to {f}, and security forces dispersed it with live fire.",
    "Government forces recaptured {t1} after battles with Islamic State fighters in {r} near {f}.",
    "A drone struck a car on the road between {t1} and {t2}, killing {n} members of the Syrian "
    "Democratic Forces.",
    "The Commission received consistent accounts from residents of {t1}, {t2} and {t3} of "
    "arbitrary arrests and looting of homes in the weeks after forces took control of {r}.",
    "{t1} lies about twenty kilometres from {t2} and was, before the conflict, a farming "
    "centre for the villages of {r}.",
)
# Every other sentence of a paragraph lists the places an incident reached.
AR_LIST = (
    "وطال القصف خلال الأسبوع نفسه {t1} و{t2} و{t3} و{t4} و{t5} و{t6}، إضافة إلى أطراف {r} "
    "ومحيط {f}."
)
EN_LIST = (
    "In the same week, shelling also hit {t1}, {t2}, {t3}, {t4}, {t5} and {t6}, as well as the "
    "edges of {r} and the area around {f}."
)
_LANGUAGES = {
    "ar": (AR_TOWNS, AR_REGIONS, AR_FACILITIES, AR_DAYS, AR_MONTHS, AR_TEMPLATES, AR_LIST),
    "en": (EN_TOWNS, EN_REGIONS, EN_FACILITIES, EN_DAYS, EN_MONTHS, EN_TEMPLATES, EN_LIST),
}


def long_report(chars: int, language: str, seed: int = 2018) -> str:
    """A report of at most ``chars`` characters, ending with a whole sentence, in paragraphs
    of five sentences, every other one a list of the places an incident reached."""
    towns, regions, facilities, days, months, templates, listing = _LANGUAGES[language]
    rnd = random.Random(seed)
    paragraphs: list[str] = []
    size = 0
    while size < chars:
        sentences = []
        for i in range(5):
            named = {f"t{n}": town for n, town in enumerate(rnd.sample(towns, 6), start=1)}
            sentences.append(
                (listing if i % 2 else rnd.choice(templates)).format(
                    **named,
                    r=rnd.choice(regions),
                    f=rnd.choice(facilities),
                    d=rnd.randint(1, 28),
                    m=rnd.choice(months),
                    wd=rnd.choice(days),
                    n=rnd.randint(2, 40),
                )
            )
        paragraph = " ".join(sentences)
        paragraphs.append(paragraph)
        size += len(paragraph) + 2
    text = "\n\n".join(paragraphs)[:chars]
    return text[: text.rfind(".") + 1]
