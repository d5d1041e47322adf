// The page's words in English and Arabic. Elements carry data-i18n (their text), data-i18n-label
// (their aria-label) or, for names rendered by the server (event types), data-ar with the Arabic
// and their English text kept in data-en. The choice is kept in the URL fragment (lang=) and in
// localStorage; <html lang dir> follow it, so the layout mirrors for Arabic.

const STRINGS = {
  en: {
    title: "Syria Events", switch: "العربية", switch_hint: "Show the page in Arabic",
    docs: "API documentation", landing: "landing page (JSON)", filters: "Filters",
    dates: "Dates (inclusive)", from: "From", to: "To", type: "Event type",
    all_types: "All types", sub_type: "Sub-type", all_sub_types: "All sub-types",
    clear: "Clear filters", find: "Find a place", find_label: "Find a place (Arabic or English)",
    go: "Go", loading: "Loading events…", event: "Event", legend: "Legend",
    size_0: "0 or unknown fatalities", size_10: "10 fatalities", size_100: "100 or more fatalities",
    cluster: "a cluster: how many events, zoom in to see them",
    legend_hint: "Circles are events, coloured by type and sized by fatalities (a grey ring: fatalities unknown). Up to zoom 12 nearby events are grouped into clusters.",
    basemap_note: "Basemap: Natural Earth (public domain) countries and governorates, served by this API with everything else; the page fetches nothing from other servers.",
    basemap_note_ocha: "Basemap: Natural Earth (public domain) countries; governorates from the imported OCHA COD-AB boundaries (CC BY-IGO). All served by this API; the page fetches nothing from other servers.",
    map: "Map of events", timeline: "Events per month",
    timeline_title: "Events per month — drag to choose dates", timeline_clear: "All dates",
    in_view: (n) => `${n} event${n === 1 ? "" : "s"} in view`,
    bad_dates: "The start date is after the end date.",
    failed: (m) => `Could not load events: ${m}`,
    searching: "Searching…", no_place: (q) => `No place matches “${q}”.`, search_failed: (m) => `Search failed: ${m}`,
    loading_event: "Loading the event…", event_failed: (m) => `Could not load the event: ${m}`,
    close: "Close", date: "Date", fatalities: "Fatalities", actors: "Actors", places: "Places", id: "Id",
    unknown: "unknown", none_named: "none named", none_linked: "none linked",
    reports: (n) => `Reports (${n})`, no_reports: "No report is linked to this event.",
    no_quote: "No quote recorded.", source: "source",
    precision: { 1: "", 2: " (that week)", 3: " (that month or year)" },
    cluster_tip: (n, a, b) => `${n} events, ${a} to ${b}`,
  },
  ar: {
    title: "أحداث سوريا", switch: "English", switch_hint: "اعرض الصفحة بالإنجليزية",
    docs: "توثيق الواجهة البرمجية", landing: "الصفحة الرئيسية (JSON)", filters: "المرشحات",
    dates: "التواريخ (شاملة)", from: "من", to: "إلى", type: "نوع الحدث",
    all_types: "كل الأنواع", sub_type: "النوع الفرعي", all_sub_types: "كل الأنواع الفرعية",
    clear: "مسح المرشحات", find: "ابحث عن مكان", find_label: "ابحث عن مكان (بالعربية أو الإنجليزية)",
    go: "اذهب", loading: "جارٍ تحميل الأحداث…", event: "الحدث", legend: "مفتاح الخريطة",
    size_0: "لا قتلى أو عدد غير معروف", size_10: "١٠ قتلى", size_100: "١٠٠ قتيل أو أكثر",
    cluster: "مجموعة: عدد الأحداث، قرّب لرؤيتها",
    legend_hint: "الدوائر أحداث، ملوّنة حسب النوع وحجمها حسب عدد القتلى (حلقة رمادية: العدد غير معروف). حتى مستوى التكبير ١٢ تُجمع الأحداث المتقاربة في مجموعات.",
    basemap_note: "الخريطة الأساسية: حدود الدول والمحافظات من Natural Earth (ملك عام)، يقدّمها هذا الخادم مع سائر البيانات؛ لا تجلب الصفحة شيئًا من خوادم أخرى.",
    basemap_note_ocha: "الخريطة الأساسية: حدود الدول من Natural Earth (ملك عام)، وحدود المحافظات من بيانات OCHA COD-AB المستوردة (CC BY-IGO). يقدّمها كلها هذا الخادم؛ لا تجلب الصفحة شيئًا من خوادم أخرى.",
    map: "خريطة الأحداث", timeline: "الأحداث شهريًا",
    timeline_title: "الأحداث شهريًا — اسحب لاختيار التواريخ", timeline_clear: "كل التواريخ",
    in_view: (n) => `${n} حدثًا في العرض`,
    bad_dates: "تاريخ البداية بعد تاريخ النهاية.",
    failed: (m) => `تعذّر تحميل الأحداث: ${m}`,
    searching: "جارٍ البحث…", no_place: (q) => `لا مكان يطابق «${q}».`, search_failed: (m) => `فشل البحث: ${m}`,
    loading_event: "جارٍ تحميل الحدث…", event_failed: (m) => `تعذّر تحميل الحدث: ${m}`,
    close: "إغلاق", date: "التاريخ", fatalities: "القتلى", actors: "الأطراف", places: "الأماكن", id: "المعرّف",
    unknown: "غير معروف", none_named: "لم يُسمَّ أحد", none_linked: "لا أماكن مرتبطة",
    reports: (n) => `التقارير (${n})`, no_reports: "لا تقرير مرتبط بهذا الحدث.",
    no_quote: "لا اقتباس مسجّل.", source: "المصدر",
    precision: { 1: "", 2: " (في ذلك الأسبوع)", 3: " (في ذلك الشهر أو العام)" },
    cluster_tip: (n, a, b) => `${n} حدثًا، من ${a} إلى ${b}`,
  },
};
const KEY = "syria-events-lang";

let current = "en";

export function lang() {
  return current;
}

/** A string (or a function's result) of the current language. */
export function t(key, ...args) {
  const value = STRINGS[current][key] ?? STRINGS.en[key];
  return typeof value === "function" ? value(...args) : value;
}

/** The language the page starts in: the fragment's lang=, else the last choice, else English. */
export function initialLang(fragment) {
  const asked = fragment.get("lang");
  if (asked in STRINGS) return asked;
  try {
    const kept = localStorage.getItem(KEY);
    if (kept in STRINGS) return kept;
  } catch {
    // Storage may be off; the fragment still carries the choice.
  }
  return "en";
}

/** Puts the page's words in `language` and mirrors the layout for Arabic. */
export function setLang(language) {
  current = language in STRINGS ? language : "en";
  const root = document.documentElement;
  root.lang = current;
  root.dir = current === "ar" ? "rtl" : "ltr";
  try {
    localStorage.setItem(KEY, current);
  } catch {
    // As above.
  }
  for (const el of document.querySelectorAll("[data-i18n]")) el.textContent = t(el.dataset.i18n);
  for (const el of document.querySelectorAll("[data-i18n-label]")) {
    el.setAttribute("aria-label", t(el.dataset.i18nLabel));
  }
  for (const el of document.querySelectorAll("[data-ar]")) {
    const attr = el.tagName === "OPTGROUP" ? "label" : null;
    if (el.dataset.en === undefined) el.dataset.en = attr ? el.getAttribute(attr) : el.textContent;
    const text = current === "ar" ? el.dataset.ar : el.dataset.en;
    if (attr) el.setAttribute(attr, text);
    else el.textContent = text;
  }
  const button = document.getElementById("lang");
  button.lang = current === "ar" ? "en" : "ar";
  document.title = `${t("title")} – ${current === "ar" ? "خريطة" : "map"}`;
}

/** The Arabic (or English) name of an ACLED event type, as the server rendered it. */
export function typeName(type) {
  if (current !== "ar") return type;
  const option = [...document.querySelectorAll("#type option[data-ar]")].find((o) => o.value === type);
  return option ? option.dataset.ar : type;
}
