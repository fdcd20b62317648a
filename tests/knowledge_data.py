"""Small copies of the knowledge layer's data sets, in their packages' own formats, so the
library is tested on data whose every answer the test knows (the real data sets are
used by test_knowledge_real.py)."""

from __future__ import annotations

import gzip
import json
from collections.abc import Iterator
from pathlib import Path

from assistant.knowledge import Knowledge
from assistant.knowledge.database import KnowledgeSources

COUNTRIES = {
    "FR": ("France", "Paris", 66987244, 547030, "EUR", "Euro", "fr-FR,frp,br", "EU"),
    "AU": ("Australia", "Canberra", 24992369, 7686850, "AUD", "Dollar", "en-AU", "OC"),
    "RU": ("Russia", "Moscow", 144478050, 17100000, "RUB", "Ruble", "ru,tt,xal", "EU"),
    "CN": ("China", "Beijing", 1411778724, 9596960, "CNY", "Yuan Renminbi",
           "zh-CN,yue,wuu", "AS"),
    "VA": ("Vatican", "Vatican City", 921, 0, "EUR", "Euro", "la,it,fr", "EU"),
    "AQ": ("Antarctica", "", 0, 14000000, "", "", "", "AN"),
    "PN": ("Pitcairn", "Adamstown", 46, 47, "NZD", "Dollar", "en-PN", "OC"),
    "BR": ("Brazil", "Brasilia", 209469333, 8511965, "BRL", "Real", "pt-BR,es,en,fr", "SA"),
}
CONTINENTS = {"EU": ("Europe", "欧洲"), "OC": ("Oceania", "大洋洲"), "AS": ("Asia", "亚洲"),
              "AN": ("Antarctica", "南极洲"), "SA": ("South America", "南美洲")}
CITIES = [
    # id, name, country, population, latitude, longitude, time zone, alternate names
    (2988507, "Paris", "FR", 2138551, 48.85341, 2.3488, "Europe/Paris",
     ["Lutetia", "Parigi", "巴黎", "パリ", "巴黎"]),
    (2172517, "Canberra", "AU", 367752, -35.28346, 149.12807, "Australia/Sydney",
     ["Kanbera", "坎培拉", "堪培拉"]),
    (4409896, "Springfield", "US", 169176, 37.21533, -93.29824, "America/Chicago", []),
    (4250542, "Springfield", "US", 114394, 39.80172, -89.64371, "America/Chicago", []),
    (5128581, "New York City", "US", 8804190, 40.71427, -74.00597, "America/New_York",
     ["Big Apple", "NYC", "New York", "紐約", "纽约"]),
    (1816670, "Beijing", "CN", 18960744, 39.9075, 116.39723, "Asia/Shanghai",
     ["Peking", "北京", "北京市"]),
    (524901, "Moscow", "RU", 10381222, 55.75222, 37.61556, "Europe/Moscow", ["莫斯科"]),
]
CEDICT = """\
# CC-CEDICT (a few entries, same format)
巴黎 巴黎 [Ba1 li2] /Paris, capital of France/
堪培拉 堪培拉 [Kan1 pei2 la1] /Canberra, capital of Australia/
北京 北京 [Bei3 jing1] /Beijing, capital of the People's Republic of China/
紐約 纽约 [Niu3 yue1] /New York/
蘋果 苹果 [ping2 guo3] /apple/CL:個|个[ge4],顆|颗[ke1]/
蘋 苹 [ping2] /apple/
水 水 [shui3] /water/river/liquid/beverage/
澆灌 浇灌 [jiao1 guan4] /to water/to irrigate/
氧 氧 [yang3] /oxygen (chemistry)/
氠 氠 [shen1] /xenon (chemistry) (old)/
鐵 铁 [tie3] /iron (metal)/arms/weapons/
金 金 [jin1] /gold/chemical element Au/money/
狗 狗 [gou3] /dog/CL:隻|只[zhi1]/
謝謝 谢谢 [xie4 xie5] /to thank/thanks/thank you/
張 张 [Zhang1] /surname Zhang/
"""
SUMMARIES = {
    "Telephone": ("Telephone", "Telecommunications device",
                  "A telephone is a telecommunications device that permits two or more users "
                  "to conduct a conversation. Alexander Graham Bell was the first to be "
                  "granted a United States patent for a device that produced clearly "
                  "intelligible replication of the human voice."),
    "Moon": ("Moon", "Natural satellite of Earth",
             "The Moon is Earth's only natural satellite. It orbits at an average distance "
             "of 384,400 km."),
    "Penicillin": ("Penicillin", "Group of antibiotics",
                   "Penicillins are a group of antibiotics. Alexander Fleming discovered "
                   "penicillin in 1928."),
    "Banana": ("Banana", "Edible fruit",
               "A banana is an elongated, edible fruit. Ripe bananas are usually yellow."),
}
WORDNET = {
    # pos file: [(id, words, gloss)], {lemma: [ids, most frequent first]}, exceptions
    "noun": ([("00000001", ["dog", "domestic_dog", "Canis_familiaris"],
               'a member of the genus Canis; "the dog barked all night"'),
              ("00000002", ["mouse"], "any of numerous small rodents"),
              ("00000003", ["running", "running_game"], "(American football) a play"),
              ("00000004", ["frump", "dog"], "a dull unattractive unpleasant girl or woman")],
             {"dog": ["00000001", "00000004"], "mouse": ["00000002"],
              "running": ["00000003"], "domestic_dog": ["00000001"]},
             ["mice mouse"]),
    "verb": ([("00000011", ["run"], "move fast by using one's feet")],
             {"run": ["00000011"]}, ["ran run"]),
    "adj": ([("00000021", ["happy"], 'enjoying or showing or marked by joy or pleasure'),
             ("00000022", ["felicitous", "happy"], "marked by good fortune"),
             ("00000023", ["glad", "happy"], "eagerly disposed to act")],
            {"happy": ["00000021", "00000022", "00000023"]}, []),
    "adv": ([("00000031", ["quickly", "rapidly"], "with rapid movements")],
            {"quickly": ["00000031"]}, []),
}
POS = {"noun": "n", "verb": "v", "adj": "a", "adv": "r"}
LICENCE_HEADER = "  1 This software and database is being provided to you, the LICENSEE\n"


def open_knowledge(folder: Path) -> Iterator[Knowledge]:
    """A Knowledge over these data sets in `folder`, closed after use."""
    opened = Knowledge.open(write_sources(folder / "data"), cache_dir=folder / "cache")
    yield opened
    opened.close()


def write_sources(folder: Path, *, wordnet: bool = True,
                  summaries: bool = True) -> KnowledgeSources:
    """Write every data set into `folder`; the sources the database is built from."""
    geonames = folder / "geonames"
    geonames.mkdir(parents=True, exist_ok=True)
    (geonames / "countries.json").write_text(json.dumps({
        code: {"name": name, "iso": code, "capital": capital, "population": people,
               "areakm2": area, "currencycode": currency, "currencyname": currency_name,
               "languages": languages, "continentcode": continent}
        for code, (name, capital, people, area, currency, currency_name, languages,
                   continent) in COUNTRIES.items()}), encoding="utf-8")
    (geonames / "continents.json").write_text(json.dumps({
        code: {"name": en, "alternateNames": [{"name": zh, "lang": "zh"},
                                              {"name": en, "lang": "en"}]}
        for code, (en, zh) in CONTINENTS.items()}), encoding="utf-8")
    (geonames / "cities15000.json").write_text(json.dumps({
        str(gid): {"geonameid": gid, "name": name, "countrycode": country,
                   "population": people, "latitude": lat, "longitude": lon,
                   "timezone": tz, "alternatenames": names}
        for gid, name, country, people, lat, lon, tz, names in CITIES}), encoding="utf-8")
    countryinfo = folder / "countryinfo"
    countryinfo.mkdir(exist_ok=True)
    (countryinfo / "holy_see.json").write_text(json.dumps(
        {"name": "Holy See", "area": 0.49, "ISO": {"alpha2": "VA"}}), encoding="utf-8")
    cedict = folder / "cedict.txt.gz"
    with gzip.open(cedict, "wt", encoding="utf-8") as out:
        out.write(CEDICT)
    return KnowledgeSources(
        geonames=geonames, geonames_version="test", countryinfo=countryinfo,
        countryinfo_version="test", periodictable_version="test", cedict=cedict,
        cedict_version="test", wordnet=_wordnet(folder / "wordnet") if wordnet else None,
        summaries=_summaries(folder / "summaries.json") if summaries else None,
        summaries_version="test")


def _wordnet(folder: Path) -> Path:
    folder.mkdir(exist_ok=True)
    for name, (synsets, lemmas, exceptions) in WORDNET.items():
        pos = POS[name]
        data = [LICENCE_HEADER]
        for ident, words, gloss in synsets:
            listed = " ".join(f"{w} 0" for w in words)
            data.append(f"{ident} 05 {pos} {len(words):02x} {listed} 000 | {gloss}  \n")
        (folder / f"data.{name}").write_text("".join(data), encoding="utf-8")
        index = [LICENCE_HEADER]
        for lemma, ids in sorted(lemmas.items()):
            index.append(f"{lemma} {pos} {len(ids)} 1 @ {len(ids)} 0 {' '.join(ids)}  \n")
        (folder / f"index.{name}").write_text("".join(index), encoding="utf-8")
        (folder / f"{name}.exc").write_text("".join(f"{line}\n" for line in exceptions),
                                            encoding="utf-8")
    return folder


def _summaries(path: Path) -> Path:
    path.write_text(json.dumps({
        key: {"title": title, "description": description, "extract": text}
        for key, (title, description, text) in SUMMARIES.items()}), encoding="utf-8")
    return path
