"""Caspian ports beyond Kazakhstan–Azerbaijan, Odesa, Novorossiysk and the Black Sea Ro-Pax lines (issue 10, part 2).

Same row formats as ``coverage.py`` (``extend.py`` appends both lists). Iran's Caspian ports are standard gauge
(Amirabad is the northern port on the national rail network, 1,780 km from Bandar Abbas
[TEHRANTIMES-2000-AMIRABAD]; the 37 km Rasht–Caspian line to the Anzali Free Zone port opened in June 2024
[MEHR-2024-RASHT]); Russia's are broad gauge. No Caspian service
carries wagons between Russia or Kazakhstan and Iran, so the gauge never changes on board: containers are lifted
at the ports and trucks drive off the Ro-Ro decks.
"""

from __future__ import annotations

from typing import Any

_CASPIAN_PORT, _BLACK_SEA_PORT, _EAEU_POST = "TURKMENBASHI", "CHORNOMORSK", "ILETSK"
_NO_CAPACITY = {"capacity_teu_per_week": None}  # the template port's published capacity is not this port's
_IR_GAUGE = {"gauge_mm": ("1435", "ADYC-GAUGE", None)}
_PORT_BORDER = {"border": "split"}
_BORDER = ("border_exit_h", "border_entry_h", "border_exit_usd_per_teu", "border_entry_usd_per_teu")


def _dwell(values: tuple[str, str, str, str], note: str) -> dict[str, tuple[str, str, str]]:
    """Border cells with their ESTIMATE note (the template's border cells are not copied)."""
    return {column: (value, "ESTIMATE", note) for column, value in zip(_BORDER, values, strict=True)}


_BLACK_SEA_CUSTOMS = _dwell(
    ("12", "24", "25", "50"), "assumed customs dwell at a non-EU port (no published figure for sea/ferry ports)"
)
_EAEU_BORDER = _dwell(
    ("1.5", "1.5", "0", "0"),
    "assumed: internal EAEU border (KZ–RU), no customs clearance of goods already under EAEU transit, "
    "locomotive/crew change only",
)

_UA_THC = {
    "handling_usd_per_teu": (
        "320",
        "MAERSK-UA-2025",
        "Maersk terminal handling for Ukraine from 1 Oct 2025: "
        "US$295 origin, US$345 destination per 20' dry container [MAERSK-UA-2025], mean",
    )
}

NODES: list[tuple[Any, ...]] = [
    (
        "AMIRABAD",
        "Amirabad port (Mazandaran)",
        "Bandar Amirabad|Amir Abad",
        "IR",
        "seaport|ferry_terminal|rail_terminal|road_hub",
        _CASPIAN_PORT,
        (36.86, 53.37),
        _NO_CAPACITY | _IR_GAUGE | _PORT_BORDER,
    ),
    (
        "ANZALI",
        "Caspian port (Anzali Free Zone)",
        "Bandar-e Anzali|Enzeli|Anzali|Caspian Port",
        "IR",
        "seaport|ferry_terminal|rail_terminal|road_hub",
        _CASPIAN_PORT,
        "Bandar-e Anzali",
        _NO_CAPACITY | _IR_GAUGE | _PORT_BORDER,
    ),
    (
        "ASTRAKHAN",
        "Astrakhan (Solyanka / Olya ports)",
        "Solyanka|Olya",
        "RU",
        "seaport|ferry_terminal|rail_terminal",
        _CASPIAN_PORT,
        "Astrakhan",
        _NO_CAPACITY | _PORT_BORDER,
    ),
    (
        "MAKHACHKALA",
        "Makhachkala commercial sea port",
        "Makhachkala port|Petrovsk",
        "RU",
        "seaport|ferry_terminal|rail_terminal|road_hub",
        _CASPIAN_PORT,
        "Makhachkala",
        _PORT_BORDER | {"capacity_teu_per_week": ("1648", "PORTNEWS-2022-MKH|NEWSAZ-2024B",
                        "container berths 1.2 Mt/yr [PORTNEWS-2022-MKH] ÷ 14 t per TEU (420,000 t / 30,000 TEU "
                        "[NEWSAZ-2024B]) ÷ 52")},
    ),
    (
        "AKSARAISKAYA",
        "Aksaraiskaya (RU–KZ rail border, Astrakhan line)",
        "Aksarayskaya|Aksaraiskaya II",
        "RU",
        "border_crossing",
        _EAEU_POST,
        "Aksarayskiy",
        _EAEU_BORDER,
    ),
    ("ODESA", "Odesa port", "Odessa|Odesa Commercial Sea Port", "UA", "seaport|rail_terminal|road_hub", _BLACK_SEA_PORT,
     "Odesa", _BLACK_SEA_CUSTOMS | _UA_THC | {"capacity_teu_per_week": ("16346", "LOGISTIK-2010-CTO",
     "HHLA Container Terminal Odesa 850,000 TEU/yr after the Quarantine Mole expansion [LOGISTIK-2010-CTO] ÷ 52 "
     "(pre-war capacity; wartime throughput is far lower)")}),
    ("NOVOROSSIYSK", "Novorossiysk (NUTEP container terminal)", "NUTEP|Novorossiisk", "RU", "seaport|rail_terminal",
     _BLACK_SEA_PORT, "Novorossiysk", _BLACK_SEA_CUSTOMS | {"capacity_teu_per_week": ("6731", "SHIPTECH-2017-NUTEP",
     "NUTEP terminal capacity 350,000 TEU/yr [SHIPTECH-2017-NUTEP] ÷ 52 (before its deep-water quay)")}),
]  # fmt: skip

_IR_RAIL = {
    "service": "RAI-1435",
    "gauge_mm": ("1435", "ADYC-GAUGE", None),
    "operator": "RAI (Islamic Republic of Iran Railways)",
    "emission_class": "rail_diesel",
    "speed": (40, "assumed for the Iranian network, as for the Turkmen one"),
}
_RU_RAIL = {"service": "RZD-1520", "operator": "RZD (Russian Railways)"}
_IR_ROAD = "T-TASHKENT-NAVOI"  # all-CAREC truck rate: Iran has no CAREC figure either


def _caspian_ro_ro(src: str, dst: str) -> tuple[Any, ...]:
    """Kuryk ↔ Amirabad truck ferry: the one published Caspian Ro-Ro freight rate."""
    note = "US$1,600–1,700 one way per heavy truck up to 17 m [SEANEWS-2020-KURYK], mid-point"
    return (
        f"F-{src}-{dst}-T",
        src,
        dst,
        "F-KURYK-ALAT-T",
        {
            "service": f"F-{src}-{dst}-T",
            "operator": "Russian Ro-Ro vessels chartered via Kazlogistics",
            "usd_per_truck": ("1650", "SEANEWS-2020-KURYK", note),
            "teu_per_truck": (
                "2",
                "SEANEWS-2020-KURYK|EU-DIR-96-53",
                "heavy trucks up to 17 m [SEANEWS-2020-KURYK]: "
                "an articulated vehicle of that length carries one 40' container (2 TEU), as the 16.50 m "
                "vehicle of Directive 96/53/EC [EU-DIR-96-53]",
            ),
            "speed": (26, "as Kuryk–Alat, 468 km in 18 h"),
            "factor": 1.2,
        },
    )


_FARES = {"F-AKTAU-ALAT": ("600", "Aktau–Alat"), "F-POTI-CONSTANTA": ("400", "Poti–Constanța")}


def _container_line(src: str, dst: str, template: str, operator: str, speed: tuple[float, str]) -> tuple[Any, ...]:
    """A container feeder (load unit vessel) with its own service per direction; its fare is the template's."""
    fare, line = _FARES[template]
    note = f"assumed US${fare}/TEU as on the {line} feeder (no published tariff for this line)"
    return (f"F-{src}-{dst}", src, dst, template, {"service": f"F-{src}-{dst}", "operator": operator,
                                                  "speed": speed, "factor": 1.2,
                                                  "usd_per_teu": (fare, "ESTIMATE", note)})  # fmt: skip


_CASPIAN_SPEED = (20, "assumed ~11 knots for a small Caspian feeder, as on the Black Sea")
_BLACK_SEA_SPEED = (20, "assumed ~11 knots for a small Black Sea feeder")
_IRISL = "IRISL / Caspian container lines (representative)"
_UKRFERRY_SPEED = (18, "as the Ukrferry Ro-Pax Batumi–Chornomorsk, 1,070 km in 60 h [EMP-2024]")


_EU_TRUCK = (
    "one 40-foot ISO container (2 TEU) per truck: the load of the 44 t combined-transport limit of Directive 96/53/EC "
    "(Annex I 2.2.4), whose 16.50 m articulated vehicle (Annex I 1.1) carries no second one; the line has an EU end"
)


def _varna_batumi(src: str, dst: str, eur: int) -> tuple[Any, ...]:
    """Varna ↔ Batumi Ro-Pax truck deck: directional Ukrferry tariff in EUR (B9)."""
    usd = round(eur * 1.08)
    note = (f"EUR {eur:,} per truck 14–17 m with driver, {src.title()} → {dst.title()}, from 14 Jan 2025 "
            f"[AIRCUZ-2025] × 1.08 USD/EUR (assumed rate) = US${usd:,}")  # fmt: skip
    return (f"F-{src}-{dst}-T", src, dst, "F-BATUMI-CHORNOMORSK-T",
            {"service": f"F-{src}-{dst}-T", "usd_per_truck": (str(usd), "AIRCUZ-2025", note),
             "teu_per_truck": ("2", "EU-DIR-96-53", _EU_TRUCK),
             "speed": _UKRFERRY_SPEED, "factor": 1.2})  # fmt: skip


LINKS: list[tuple[Any, ...]] = [
    # Iran: rail and road from the Caspian ports to Tehran (and Amirabad east to Gorgan for Incheh Burun)
    ("R-AMIRABAD-TEHRAN", "AMIRABAD", "TEHRAN", "R-ASHGABAT-TURKMENBASHI", _IR_RAIL | {"distance_km": (
        "439", "TEHRANTIMES-2000-AMIRABAD|OSM-SCGRAPH-2-0-0", "Amirabad–Bandar Abbas 1,780 km by rail "
        "[TEHRANTIMES-2000-AMIRABAD] − Tehran–Bandar Abbas 1,341 km on the OSM-derived rail graph "
        "(R-TEHRAN-BANDAR_ABBAS); "
        "the graph lacks the port branch")}),
    ("R-AMIRABAD-GORGAN", "AMIRABAD", "GORGAN", "R-ASHGABAT-TURKMENBASHI", _IR_RAIL),
    ("R-ANZALI-TEHRAN", "ANZALI", "TEHRAN", "R-ASHGABAT-TURKMENBASHI", _IR_RAIL | {"distance_km": (
        "377", "MEHR-2024-RASHT|OSM-SCGRAPH-2-0-0", "37 km Rasht–Caspian port line (opened June 2024) "
        "[MEHR-2024-RASHT] + 340 km Rasht–Qazvin–Tehran on the OSM-derived rail graph, which lacks the new line")}),
    ("T-AMIRABAD-TEHRAN", "AMIRABAD", "TEHRAN", _IR_ROAD),
    ("T-ANZALI-TEHRAN", "ANZALI", "TEHRAN", _IR_ROAD),
    # Russia: Atyrau → Astrakhan → Makhachkala → Novorossiysk on the broad-gauge network
    ("R-ATYRAU-AKSARAISKAYA", "ATYRAU", "AKSARAISKAYA", "RN-SAMARA-MOSCOW", _RU_RAIL),
    ("R-AKSARAISKAYA-ASTRAKHAN", "AKSARAISKAYA", "ASTRAKHAN", "RN-SAMARA-MOSCOW", _RU_RAIL),
    ("R-ASTRAKHAN-MAKHACHKALA", "ASTRAKHAN", "MAKHACHKALA", "RN-SAMARA-MOSCOW", _RU_RAIL),
    ("R-MAKHACHKALA-NOVOROSSIYSK", "MAKHACHKALA", "NOVOROSSIYSK", "RN-SAMARA-MOSCOW", _RU_RAIL),
    # Caspian: Kuryk ↔ Amirabad Ro-Ro; Astrakhan and Makhachkala ↔ Anzali container lines (INSTC)
    _caspian_ro_ro("KURYK", "AMIRABAD"),
    _caspian_ro_ro("AMIRABAD", "KURYK"),
    _container_line("ASTRAKHAN", "ANZALI", "F-AKTAU-ALAT", _IRISL, _CASPIAN_SPEED),
    _container_line("ANZALI", "ASTRAKHAN", "F-AKTAU-ALAT", _IRISL, _CASPIAN_SPEED),
    _container_line("AKTAU", "ANZALI", "F-AKTAU-ALAT", "Khazar Shipping (representative)", _CASPIAN_SPEED),
    _container_line("ANZALI", "AKTAU", "F-AKTAU-ALAT", "Khazar Shipping (representative)", _CASPIAN_SPEED),
    _container_line("MAKHACHKALA", "ANZALI", "F-AKTAU-ALAT", "Makhachkala port / IRISL (representative)",
                    _CASPIAN_SPEED),
    _container_line("ANZALI", "MAKHACHKALA", "F-AKTAU-ALAT", "Makhachkala port / IRISL (representative)",
                    _CASPIAN_SPEED),
    # Black Sea: Odesa (rail and road to Chornomorsk's lines, feeders to Constanța), Samsun ↔ Novorossiysk,
    # Varna ↔ Batumi Ro-Pax
    ("R-ODESA-CHORNOMORSK", "ODESA", "CHORNOMORSK", "R-CHORNOMORSK-LVIV"),
    ("T-ODESA-CHORNOMORSK", "ODESA", "CHORNOMORSK", "T-CHORNOMORSK-LVIV"),
    _container_line("ODESA", "CONSTANTA", "F-POTI-CONSTANTA", "Iteris / Maersk / Hapag-Lloyd feeders",
                    _BLACK_SEA_SPEED),
    _container_line("CONSTANTA", "ODESA", "F-POTI-CONSTANTA", "Iteris / Maersk / Hapag-Lloyd feeders",
                    _BLACK_SEA_SPEED),
    _container_line("SAMSUN", "NOVOROSSIYSK", "F-POTI-CONSTANTA", "Ruscon (Delo Group)", _BLACK_SEA_SPEED),
    _container_line("NOVOROSSIYSK", "SAMSUN", "F-POTI-CONSTANTA", "Ruscon (Delo Group)", _BLACK_SEA_SPEED),
    _varna_batumi("VARNA", "BATUMI", 1820),
    _varna_batumi("BATUMI", "VARNA", 970),
]  # fmt: skip


def _weekly(service_id: str, operator: str, departure: str, capacity: str, capacity_source: str,
            capacity_note: str, what: str, departures_source: str = "ESTIMATE",
            departures_note: str = "assumed one a week, weekday and time assumed (no published timetable)"
            ) -> dict[str, str]:  # fmt: skip
    return {
        "id": service_id, "mode": "ferry", "operator": operator, "kind": "weekly", "weekly_departures": departure,
        "capacity_teu_per_departure": capacity,
        "sources": f"weekly_departures={departures_source};capacity_teu_per_departure={capacity_source}",
        "notes": f"weekly_departures: {departures_note};capacity_teu_per_departure: {capacity_note};{what}",
    }  # fmt: skip


_RO_RO_CAPACITY = "32 heavy trucks per vessel [SEANEWS-2020-KURYK] × 2 TEU per truck (modelling convention)"
_FLEET = "TMRL-2024|NEWSAZ-2024B"
_CASPIAN_CAPACITY = (
    "~285 TEU: the Iranian Caspian fleet's mean vessel, 30 vessels of 120,000 t in all [TMRL-2024] "
    "= 4,000 t, ÷ 14 t per TEU (420,000 t / 30,000 TEU [NEWSAZ-2024B])"
)
_ODESA_CAPACITY = "Maersk/Iteris feeder of more than 1,100 TEU on Constanța–Greater Odesa [GSTTA-2024]"
_NUTEP_CAPACITY = "ferries of up to 100 road trains at NUTEP [CONSTRUCTIONTURKEY-2022] × 2 TEU (modelling convention)"
_VILNIUS_CAPACITY = "m/v Vilnius, 150 cargo units [BOURGAS-2022] × 2 TEU per truck (modelling convention)"
_VILNIUS_DEPARTURES = (
    "one a week: m/v Vilnius ran weekly on the Burgas–Batumi line (2022) [BOURGAS-2022] and now "
    "serves Varna–Batumi/Poti [UKRFERRY-2026]; weekday and time assumed"
)
_RUSCON = "weekly Novorossiysk–Samsun ferry launched by Ruscon (Nov 2022) [SEANEWS-RU-2022], weekday and time assumed"
_ODESA_DEPARTURES = ("feeders between Constanța and the Greater Odesa ports since April 2024 [NIKNEWS-2024], "
                     "every five days on the Hapag-Lloyd loop [GSTTA-2024], rounded down to weekly")  # fmt: skip

_KHAZAR_ASTRAKHAN = (
    "Khazar Shipping loads 2 ships a week from Iran's Caspian coast for Astrakhan and Aktau (2020) "
    "[IRANPRESS-2020-ASTARA]: one a week on this line, weekday and time assumed"
)
_KHAZAR_AKTAU = (
    "weekly Anzali–Astara–Aktau container service of Khazar Shipping (2020) [TEHRANTIMES-2020-ASTARA], "
    "weekday and time assumed"
)

SERVICES: list[dict[str, str]] = [
    {
        "id": "RZD-1520", "mode": "rail", "operator": "RZD (Russian Railways)", "kind": "headway", "headway_h": "24",
        "capacity_teu_per_departure": "100",
        "sources": "headway_h=ESTIMATE;capacity_teu_per_departure=NEWSAZ-2024B",
        "notes": "headway_h: assumed daily;capacity_teu_per_departure: ~100 TEU per 1520 mm block train, derived from "
                 "300 trains ≈ 30,000 TEU [NEWSAZ-2024B] (a Kazakh figure, used as proxy);"
                 "Russian broad-gauge container trains to and between the Caspian and "
                 "Black Sea ports (Atyrau – Astrakhan – Makhachkala – Novorossiysk)",
    },
    _weekly("F-KURYK-AMIRABAD-T", "Russian Ro-Ro vessels chartered via Kazlogistics", "Mon 12:00", "64",
            "SEANEWS-2020-KURYK", _RO_RO_CAPACITY, "Kuryk → Amirabad Ro-Ro truck deck"),
    _weekly("F-AMIRABAD-KURYK-T", "Russian Ro-Ro vessels chartered via Kazlogistics", "Thu 12:00", "64",
            "SEANEWS-2020-KURYK", _RO_RO_CAPACITY, "Amirabad → Kuryk Ro-Ro truck deck"),
    _weekly("F-ASTRAKHAN-ANZALI", _IRISL, "Tue 10:00", "285", _FLEET, _CASPIAN_CAPACITY,
            "Astrakhan (Solyanka) → Anzali INSTC container line [MEHR-2022-INSTC] [IRANPRESS-2023]",
            "IRANPRESS-2020-ASTARA|ESTIMATE", _KHAZAR_ASTRAKHAN),
    _weekly("F-ANZALI-ASTRAKHAN", _IRISL, "Sat 10:00", "285", _FLEET, _CASPIAN_CAPACITY,
            "Anzali → Astrakhan INSTC container line [IRANPRESS-2023]", "IRANPRESS-2020-ASTARA|ESTIMATE",
            _KHAZAR_ASTRAKHAN),
    _weekly("F-AKTAU-ANZALI", "Khazar Shipping (representative)", "Thu 10:00", "285", _FLEET, _CASPIAN_CAPACITY,
            "Aktau → Anzali Caspian container line", "TEHRANTIMES-2020-ASTARA|ESTIMATE", _KHAZAR_AKTAU),
    _weekly("F-ANZALI-AKTAU", "Khazar Shipping (representative)", "Mon 10:00", "285", _FLEET, _CASPIAN_CAPACITY,
            "Anzali → Aktau Caspian container line (via Astara)", "TEHRANTIMES-2020-ASTARA|ESTIMATE", _KHAZAR_AKTAU),
    _weekly("F-MAKHACHKALA-ANZALI", "Makhachkala port / IRISL (representative)", "Wed 10:00", "285", _FLEET,
            _CASPIAN_CAPACITY, "Makhachkala → Anzali; the port's general cargo mostly goes to Iranian ports "
            "[PORTNEWS-2022-MKH]; a regular container line was agreed for 2026 [RPA-2025]"),
    _weekly("F-ANZALI-MAKHACHKALA", "Makhachkala port / IRISL (representative)", "Fri 10:00", "285", _FLEET,
            _CASPIAN_CAPACITY, "Anzali → Makhachkala (see Makhachkala → Anzali)"),
    _weekly("F-ODESA-CONSTANTA", "Iteris / Maersk / Hapag-Lloyd feeders", "Wed 08:00", "1100", "GSTTA-2024",
            _ODESA_CAPACITY, "Odesa → Constanța Black Sea container feeder", "NIKNEWS-2024|GSTTA-2024",
            _ODESA_DEPARTURES),
    _weekly("F-CONSTANTA-ODESA", "Iteris / Maersk / Hapag-Lloyd feeders", "Sun 08:00", "1100", "GSTTA-2024",
            _ODESA_CAPACITY, "Constanța → Odesa Black Sea container feeder", "NIKNEWS-2024|GSTTA-2024",
            _ODESA_DEPARTURES),
    _weekly("F-SAMSUN-NOVOROSSIYSK", "Ruscon (Delo Group)", "Mon 18:00", "200", "CONSTRUCTIONTURKEY-2022",
            _NUTEP_CAPACITY, "Samsun → Novorossiysk ferry; trailers and containers are handled at the NUTEP "
            "container terminal, modelled as a container vessel", "SEANEWS-RU-2022|ESTIMATE", _RUSCON),
    _weekly("F-NOVOROSSIYSK-SAMSUN", "Ruscon (Delo Group)", "Thu 18:00", "200", "CONSTRUCTIONTURKEY-2022",
            _NUTEP_CAPACITY, "Novorossiysk → Samsun ferry (see Samsun → Novorossiysk)", "SEANEWS-RU-2022|ESTIMATE",
            _RUSCON),
    _weekly("F-VARNA-BATUMI-T", "Ukrferry (m/v Vilnius)", "Sat 20:00", "300", "BOURGAS-2022", _VILNIUS_CAPACITY,
            "Varna → Batumi Ro-Pax truck deck, regular line from 14 Jan 2025 [AIRCUZ-2025]",
            "BOURGAS-2022|UKRFERRY-2026|ESTIMATE", _VILNIUS_DEPARTURES),
    _weekly("F-BATUMI-VARNA-T", "Ukrferry (m/v Vilnius)", "Wed 20:00", "300", "BOURGAS-2022", _VILNIUS_CAPACITY,
            "Batumi → Varna Ro-Pax truck deck, regular line from 14 Jan 2025 [AIRCUZ-2025]",
            "BOURGAS-2022|UKRFERRY-2026|ESTIMATE", _VILNIUS_DEPARTURES),
]  # fmt: skip


def _source(key: str, title: str, publisher: str, url: str, year: str, note: str) -> dict[str, str]:
    return {"key": key, "title": title, "publisher": publisher, "url": url, "year": year, "note": note}


SOURCES: list[dict[str, str]] = [
    _source("TMRL-2024", "Iran increased the volume of export cargo transportation through the Caspian Sea by 20%",
            "Turkmen Maritime and River Lines (citing Iran.ru)", "https://tmrl.gov.tm/en/news/article/471", "2024",
            "Khazar Shipping Company: 30 vessels with a total capacity of 120,000 t"),
    _source("UKRFERRY-2026", "Passengers: Varna – Batumi – Varna (tariffs from 01.04.2026)", "Ukrferry",
            "https://www.ukrferry.com/en/tariff/passenger-fares/varna-batumi-varna", "2026",
            "line Varna – Batumi/Poti served by m/v Vilnius"),
    _source("MAERSK-UA-2025", "Maersk revises terminal handling charges for Ukraine", "PortNews (citing Maersk)",
            "https://en.portnews.ru/news/381249/", "2025",
            "from 1 Oct 2025: OHC US$295 / DHC US$345 per 20' dry container"),
    _source("SEANEWS-2020-KURYK", "Kazakhstan's Kuryk port to launch new ferry operation to Iran",
            "Sea-News.az (Xinhua)", "https://sea-news.az/2020/11/25/kazakhstans-kuryk-port-to-launch-new-ferry-operation-to-iran/",
            "2020", "Kuryk–Amirabad/Enzeli Ro-Ro: 32 heavy trucks per vessel, US$1,600–1,700 one way"),
    _source("AIRCUZ-2025", "Regular Ro-Pax line Varna–Batumi from 14 January 2025 (tariffs)",
            "AIRCUZ (Uzbek international road carriers' association), citing Ukrferry",
            "https://aircuz.uz/uz/2025/01/10/2025-jil-14-yanvardan-boshlab-varna-bolgariya-va-batumi-gruziya-%d1%9ertasida-muntazam-ro-pax-parom-liniyasini-ochish-rezhalashtirilgan",
            "2025", "truck 14–17 m with driver: EUR 1,820 Varna→Batumi, EUR 970 Batumi→Varna"),
    _source("BOURGAS-2022", "Ferry crossing from Burgas to Batumi to be reinforced by the m/v Vilnius", "bourgas.ru",
            "http://bourgas.ru/paromnaya-pereprava-iz-burgasa-v-batumi-budet-usilena-teplohodom-vilnyus/", "2022",
            "m/v Vilnius: 150 cargo units, weekly"),
    _source("TEHRANTIMES-2000-AMIRABAD", "Iran to establish biggest port on Caspian coast", "Tehran Times",
            "https://www.tehrantimes.com/news/48075/Iran-to-Establish-Biggest-Port-on-Caspian-Coast", "2000",
            "Amirabad port near Neka; the new railway near the port: Amirabad–Bandar Abbas 1,780 km"),
    _source("TEHRANTIMES-2020-ASTARA", "Loading, unloading of goods up 40% in Astara Port", "Tehran Times",
            "https://www.tehrantimes.com/news/455653/Loading-unloading-of-goods-up-40-in-Astara-Port", "2020",
            "Khazar Shipping: two regular weekly container services, Astara→Aktau and Anzali–Astara→Aktau"),
    _source("IRANPRESS-2020-ASTARA", "Iran's exports from Caspian seaports up 40%", "Iran Press",
            "https://ugc.iranpress.com/content/31194", "2020",
            "container line from Astara to Astrakhan activated; 2 ships loaded every week for Astrakhan and Aktau"),
    _source("SHIPTECH-2017-NUTEP", "New deepwater quay project underway at Russia's NUTEP terminal",
            "Ship Technology", "https://www.ship-technology.com/news/newsnew-deepwater-quay-project-underway-at-russias-nutep-terminal-4731806/",
            "2017", "NUTEP terminal capacity 350,000 TEU, 700,000 TEU after the new quay"),
    _source("LOGISTIK-2010-CTO", "HHLA-Tochter HPC Ukraina erweitert Odessa Container Terminal",
            "Logistik Express (Österreichische Verkehrszeitung)",
            "https://www.logistik-express.com/hhla-tochter-hpc-ukraina-erweitert-odessa-container-terminal/", "",
            "n.d. (c. 2010); annual capacity 850,000 TEU after the expansion, up to 1.2 million TEU in the final "
            "stage"),
    _source("MEHR-2024-RASHT", "Rasht–Caspian Railway to be inaugurated in two days", "Mehr News Agency",
            "https://en.mehrnews.com/news/216651/Rasht-Caspian-Railway-to-be-inaugurated-in-two-days", "2024",
            "37 km Rasht–Caspian (Anzali Free Zone) line completes the Qazvin–Rasht route, opened 20 June 2024"),
    _source("MEHR-2022-INSTC", "North-South corridor begins operation with first shipment", "Mehr News Agency",
            "https://en.mehrnews.com/news/187826/North-South-corridor-begins-op-with-1st-shipment", "2022",
            "containers from Astrakhan (Solyanka) across the Caspian to the Anzali Free Zone, then by road"),
    _source("IRANPRESS-2023", "First test container cargo of the Astrakhan–Iran container line unloaded",
            "Iran Press via dandk.ir", "https://dandk.ir/en/?p=6221", "",
            "n.d. (c. 2023); first dedicated vessel of the Iran–Astrakhan container line"),
    _source("PORTNEWS-2022-MKH", "Makhachkala Commercial Sea Port commenced shipping of fertilizers to Iran",
            "PortNews", "https://www.en.portnews.ru/news/336858/", "2022",
            "Ro-Ro terminal 1.3 Mt/yr, containers; cement from and grain to Iran"),
    _source("RPA-2025", "Russia and Iran to create a new joint shipping line", "Russia's Pivot to Asia",
            "https://russiaspivottoasia.com/russia-and-iran-to-create-a-new-joint-shipping-line", "2025",
            "Makhachkala–Iranian Caspian ports container line, set to launch in 2026"),
    _source("SEANEWS-RU-2022", "Delo aims to expand ferry service to Turkey", "SeaNews",
            "https://seanews.ru/en/2022/11/17/en-delo-aims-to-expand-ferry-service-to-turkey/", "2022",
            "Ruscon launched a weekly Novorossiysk–Samsun ferry service"),
    _source("CONSTRUCTIONTURKEY-2022", "A sea terminal in the south of Russia will start receiving ferries from "
            "Turkey for 100 trucks", "Construction Turkey (citing RBC)",
            "https://constructionturkey.org/a-sea-terminal-in-the-south-of-russia-will-start-receiving-ferries-from-turkey-for-100-trucks/",
            "2022", "NUTEP berth 39a receives ferries of about 100 trucks"),
    _source("NIKNEWS-2024", "Container traffic from the ports of Greater Odesa unblocked", "NikNews (citing Dumska)",
            "https://niknews.mk.ua/uk/2024/04/05/razblokirovany-kontejnernye-perevozki-iz-portov-bolshoj-odessy",
            "2024", "feeder charter voyages between Constanța and the Greater Odesa ports from April 2024"),
    _source("GSTTA-2024", "Maersk and Hapag-Lloyd re-launch services to Black Sea ports including Ukraine",
            "GSTTA (citing UK shipping press)", "http://sisi.gstta.org/index.php?c=article&id=23825", "2024",
            "Hapag-Lloyd Constanța–Chornomorsk every five days; Maersk/Iteris vessel of more than 1,100 TEU"),
]  # fmt: skip
