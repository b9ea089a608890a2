"""Name search benchmark: store N synthetic testimonies at a throwaway case database
(SQLite, or PostgreSQL with --postgres URL), then time name searches typed in another
script than the one stored, beside a plaintext indexed search over the same keys in the
same run (the same names as plain rows: no HMAC, no decryption).

Names are generated, not collected: Kazakh given names and family names (common name
parts, combined at random, with -ov/-ova or -uly/-qyzy), written in Kazakh Cyrillic and
turned into Latin and Uyghur Arabic script by the project's own rules and umsc; Uyghur
names in Uyghur Latin (ULY) and Arabic script. A small share of records takes the names
of the public test set (tests/fixtures/names/people.json: people whose names are
published in several scripts, Chinese characters included), so every script is searched.

Both searches are timed the same way: after a warm-up of other people's names (a
server that has run a while), and each with the caches of analysed names emptied just
before, so neither reuses the other's work on the same candidates. The plaintext
search looks up victims' names only; the real one also looks up testifiers' names.

    .venv/bin/python scripts/bench_search.py --records 10000 [--postgres URL]
"""

from __future__ import annotations

import argparse
import copy
import json
import random
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench_db import bench_casedb, fresh_postgres  # noqa: E402
from sqlalchemy import Column, Integer, String, Table, bindparam, create_engine, insert, text  # noqa: E402
from sqlalchemy import MetaData as PlainMetaData  # noqa: E402
from umsc import UgMultiScriptConverter  # noqa: E402

from intake.cases import persons  # noqa: E402
from intake.cases import search as search_service  # noqa: E402
from intake.names import (  # noqa: E402
    NameVariant,
    forget_names,
    matching_keys,
    rank,
)
from intake.names.kazakh import cyrillic_to_latin  # noqa: E402
from intake.records.services import Incoming, store_testimonies  # noqa: E402

MINIMAL = ROOT / "tests" / "fixtures" / "records" / "valid" / "minimal.json"
PEOPLE = ROOT / "tests" / "fixtures" / "names" / "people.json"


def _words(text: str) -> tuple[str, ...]:
    return tuple(text.split())


PASSPHRASE = "bench passphrase that is long enough to pass the strength check 42"  # noqa: S105

KK_GIVEN = _words(
    "Айгүл Гүлзира Ерлан Марат Нұрлан Сәуле Бақыт Жанар Асқар Дәурен Әлия Мұрат Болат Ержан "
    "Гүлнар Жұлдыз Қайрат Самал Айжан Арман Бауыржан Дана Динара Ғалым Кенжебек Мадина Нұргүл "
    "Рахат Талғат Ұлан Шолпан Әсел Айдос Бекзат Гаухар Ерболат Жансая Зарина Ілияс Қуаныш "
    "Бибігүл Данияр Елдос Жомарт Зейнеп Кәмшат Ләззат Мейрам Назерке Өмірзақ Сапар Төлеген"
)
KK_FAMILY = _words(
    "Тоқтар Құрман Серікбай Әбен Жұмабек Ахмет Сейіт Қасым Омар Бекмұрат Оспан Мұқан Байжан "
    "Әуелхан Исабек Қали Сұлтан Дәулет Жақып Әлімжан Бейсен Дүйсен Ерғали Жүніс Кәрім Мақсұт "
    "Нұрахмет Рақым Сағындық Тұрсын Үсен Шәріп Ыбырай Әділ Бекболат Есенгелді Жарылқасын "
    "Қожахмет Мырзахмет Отарбай Сарсен Тілеу Уәли Хасен Шынар Айтмұхамбет Бөкей Дәркенбай"
)
UG_GIVEN = _words(
    "Abdurehim Gulnar Mehray Rahile Tursun Ablikim Patigul Zumret Memet Nurmemet Aynur Dilnur "
    "Erkin Kamil Qurban Rizwan Sajide Tahir Yasin Alim Buhelchem Ezizgul Hebibulla Ilshat "
    "Mutellip Nijat Obulqasim Perhat Salamet Turghun Ubulhesen Zulpiye"
)
UG_FAMILY = _words(
    "Tohti Hesen Abdulla Memtimin Yasin Rozi Qadir Niyaz Osman Ismail Hoshur Imin Sidiq Sawut "
    "Tursun Ehmet Helil Yusup Abliz Jappar Obul Qasim Rahman Semet Tayir Mamut Kerim"
)
PREFECTURES = ("ili", "kashgar", "aksu", "hotan", "altay", "tacheng", "urumqi", "changji")


def _kazakh_person(rng: random.Random) -> list[str]:
    # Family names are made from a forefather's name, so given names serve as roots too.
    given, family = rng.choice(KK_GIVEN), rng.choice(KK_FAMILY + KK_GIVEN)
    female = given[-1] in "аеәлрн" and rng.random() < 0.5
    ending = "ова" if female else "ов"
    if family[-1] in "аеәиоуұүыі":
        ending = "ева" if female else "ев"
    full = f"{given} {family}{ending}"
    if rng.random() < 0.6:  # with a patronymic from another given name
        father = rng.choice(KK_GIVEN)
        full = f"{given} {father}{'қызы' if female else 'ұлы'} {family}{ending}"
    latin = cyrillic_to_latin(full)
    forms = [full, latin, latin.replace("ş", "sh").replace("ç", "ch")]
    return forms


_UAS = UgMultiScriptConverter("ULS", "UAS")


def _uyghur_person(rng: random.Random) -> list[str]:
    latin = f"{rng.choice(UG_GIVEN)} {rng.choice(UG_FAMILY + UG_GIVEN)}"
    return [latin, str(_UAS(latin.lower())), latin.replace("q", "k").replace("x", "kh")]


def _public_people() -> list[list[str]]:
    people = json.loads(PEOPLE.read_text(encoding="utf-8"))["people"]
    return [[v["text"] for v in person["variants"]] for person in people if person["variants"]]


def synthetic(count: int, seed: int = 11) -> list[tuple[dict[str, Any], list[str]]]:
    """``count`` testimonies, each with the victim's forms in every script it has.

    One record in five is a second testimony of an earlier person, stored in another
    spelling; one in two hundred is a person of the public test set.
    """
    rng = random.Random(seed)  # noqa: S311 (synthetic data, not secrets)
    base = json.loads(MINIMAL.read_text(encoding="utf-8"))
    public = _public_people()
    people: list[list[str]] = []
    records = []
    for _ in range(count):
        roll = rng.random()
        if people and roll < 0.2:
            forms = rng.choice(people)
        elif roll < 0.205:
            forms = rng.choice(public)
        else:
            forms = _kazakh_person(rng) if rng.random() < 0.7 else _uyghur_person(rng)
            people.append(forms)
        stored = rng.sample(forms, k=min(len(forms), rng.choice((1, 2))))
        document = copy.deepcopy(base)
        document["record_id"] = str(uuid.UUID(int=rng.getrandbits(128), version=4))
        document["victim"]["names"] = [
            {"text": name, "script": "Cyrl", "kind": "full"} for name in stored
        ]
        document["victim"]["birth_date"] = {
            "precision": "year",
            "value": str(rng.randint(1940, 2000)),
        }
        document["victim"]["home_place"] = {"prefecture_id": rng.choice(PREFECTURES)}
        records.append((document, forms))
    return records


def _script_of(text: str) -> str:
    from intake.names import detect_script

    script = detect_script(text)
    return script if script in ("Cyrl", "Latn", "Arab", "Hans", "Hant") else "Latn"


def _plain_tables(url: str, records: list[tuple[dict[str, Any], list[str]]]) -> Any:
    """The baseline: the same name keys and names as plain rows, indexed."""
    engine = create_engine(url)
    meta = PlainMetaData()
    keys = Table(
        "plain_name_key",
        meta,
        Column("key", String(40), primary_key=True),
        Column("record", Integer, primary_key=True),
    )
    names = Table("plain_name", meta, Column("record", Integer), Column("name", String(200)))
    meta.drop_all(engine)
    meta.create_all(engine)
    with engine.begin() as connection:
        key_rows, name_rows = [], []
        for number, (document, _) in enumerate(records):
            texts = [n["text"] for n in document["victim"]["names"]]
            found = set().union(*(matching_keys(t) for t in texts))
            key_rows += [{"key": k, "record": number} for k in found]
            name_rows += [{"record": number, "name": t} for t in texts]
        connection.execute(insert(keys), key_rows)
        connection.execute(insert(names), name_rows)
        connection.execute(text("CREATE INDEX ix_plain_name ON plain_name (record)"))
    return engine


def _plain_search(engine: Any, query: str) -> list[Any]:
    wanted = sorted(matching_keys(query))
    least = min(2, len(wanted))
    with engine.connect() as connection:
        rows = connection.execute(
            text(
                "SELECT record, count(*) FROM plain_name_key WHERE key IN :keys "
                "GROUP BY record HAVING count(*) >= :least ORDER BY count(*) DESC LIMIT :limit"
            ).bindparams(bindparam("keys", expanding=True)),
            {"keys": wanted, "least": least, "limit": search_service.MAX_CANDIDATES},
        ).all()
        # The same rule as the encrypted search: at least half the best record's hits.
        cutoff = max(least, (rows[0][1] + 1) // 2) if rows else 0
        ids = [record for record, hits in rows if hits >= cutoff]
        if not ids:
            return []
        names: dict[int, list[str]] = {}
        rows = connection.execute(
            text("SELECT record, name FROM plain_name WHERE record IN :ids").bindparams(
                bindparam("ids", expanding=True)
            ),
            {"ids": ids},
        )
        for record, name in rows:
            names.setdefault(record, []).append(name)
    ranked = rank(NameVariant(query), names.items())
    return [item for item in ranked if item.match.is_match]


#: Searches run, not timed, before the timed ones (other records' names).
WARM_UP = 50


def _p(samples: list[float], q: int) -> float:
    return statistics.quantiles(samples, n=100)[q - 1] * 1000


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--records", type=int, default=100_000)
    parser.add_argument("--queries", type=int, default=200)
    parser.add_argument("--postgres", metavar="URL", help="run on this PostgreSQL database")
    parser.add_argument(
        "--no-vacuum", action="store_true", help="PostgreSQL: ANALYZE only after the load"
    )
    args = parser.parse_args(argv)
    with tempfile.TemporaryDirectory() as folder:
        if not args.postgres:
            run(args, Path(folder))
            return
        with fresh_postgres(args.postgres, "bench_search") as url:
            args.postgres = url
            run(args, Path(folder))


def run(args: argparse.Namespace, folder: Path) -> None:
    backend = "PostgreSQL" if args.postgres else "SQLite"
    settings, database, keys = bench_casedb(folder, PASSPHRASE, args.postgres, identity=True)
    records = synthetic(args.records)
    for document, _ in records:
        for name in document["victim"]["names"]:
            name["script"] = _script_of(name["text"])
    start = time.perf_counter()
    for chunk in range(0, len(records), 2000):
        with database.session() as session:
            batch = [Incoming(d) for d, _ in records[chunk : chunk + 2000]]
            store_testimonies(session, keys, batch, checked=False)
    stored = time.perf_counter() - start
    with database.engine.connect() as connection:
        rows = connection.execute(text("SELECT count(*) FROM blind_index")).scalar_one()
        bits = connection.execute(
            text("SELECT bits FROM blind_index_plan WHERE kind='name'")
        ).scalar_one()
    plain = _plain_tables(settings.database_url, records)
    if args.postgres:
        # What autovacuum does after a bulk load (PostgreSQL 13 and later vacuum after
        # inserts too): fresh statistics, and the visibility map that lets the blind
        # index and the plaintext keys be read from their indexes alone. VACUUM runs
        # outside a transaction. --no-vacuum measures the state before it ran.
        command = "ANALYZE" if args.no_vacuum else "VACUUM (ANALYZE)"
        with database.engine.connect().execution_options(
            isolation_level="AUTOCOMMIT"
        ) as connection:
            connection.execute(text(command))

    rng = random.Random(5)  # noqa: S311 (synthetic data, not secrets)
    picked = rng.sample(range(len(records)), args.queries + WARM_UP)
    chosen = [records[i] for i in picked[: args.queries]]
    times, plain_times, total = [], [], 0
    found_record = first_named = 0
    with database.session() as session:
        # A server that has run a while: both searches once over other people first,
        # so neither is timed filling the process's first-use tables (scripts, Chinese
        # syllables, compiled statements) or the database's cache.
        for index in picked[args.queries :]:
            name = rng.choice(records[index][1])
            search_service.search(session, keys, name)
            _plain_search(plain, name)
        for document, forms in chosen:
            stored_texts = {n["text"] for n in document["victim"]["names"]}
            others = [f for f in forms if f not in stored_texts] or forms
            query = rng.choice(others)
            # Each side ranks with the name caches as it would find them for a new
            # search: empty. Otherwise the second to run reuses the analyses of the
            # same candidates' names that the first one made.
            forget_names()
            begin = time.perf_counter()
            hits = search_service.search(session, keys, query)
            times.append(time.perf_counter() - begin)
            forget_names()
            begin = time.perf_counter()
            _plain_search(plain, query)
            plain_times.append(time.perf_counter() - begin)
            total += 1
            found_record += uuid.UUID(document["record_id"]) in {hit.record_id for hit in hits}
            # Namesakes (and -ov/-ova) tie on the name: first, or tied with the first.
            wanted = uuid.UUID(document["record_id"])
            first_named += any(h.record_id == wanted and h.score == hits[0].score for h in hits)
    p50, plain_p50 = _p(times, 50), _p(plain_times, 50)
    print(
        f"name search, {backend}, {args.records:,} synthetic records "
        f"({rows:,} blind index rows, {bits} bits; stored in {stored:.0f} s): "
        f"p50 {p50:.1f} ms, p95 {_p(times, 95):.1f} ms (goal p50 <= 20 ms); plaintext indexed "
        f"search p50 {plain_p50:.1f} ms, ratio {p50 / max(plain_p50, 1e-9):.1f}x (goal <= 3x); "
        f"searched record among the results {found_record}/{total}, first or tied with the "
        f"first {first_named}/{total}"
    )
    with database.session() as session:
        begin = time.perf_counter()
        pairs = persons.candidate_pairs(session)
        paired = time.perf_counter() - begin
        begin = time.perf_counter()
        queue = persons.review_queue(session, keys, actor=None)
        queued = time.perf_counter() - begin
        begin = time.perf_counter()
        groups = persons.persons_of(session, keys)
        grouped = time.perf_counter() - begin
    print(
        f"same-person queue, {backend}, {args.records:,} records: candidate pairs from the "
        f"blind index {paired * 1000:.0f} ms ({len(pairs):,} pairs), first queue page "
        f"{queued * 1000:.0f} ms ({len(queue)} pairs shown), persons_of {grouped * 1000:.0f} ms "
        f"({len(groups):,} groups)"
    )
    plain.dispose()
    database.dispose()


if __name__ == "__main__":
    main()
