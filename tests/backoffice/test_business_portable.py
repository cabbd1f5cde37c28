"""`livedesk business export|import`: the document format, all-or-nothing import with
line-numbered problems, exact round trips, --replace, the demo's data files and the CLI."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import func, select
from typer.testing import CliRunner, Result

from livedesk.audit.models import AuditEntry
from livedesk.businesses import actions as business_actions
from livedesk.businesses import portable
from livedesk.businesses.models import Business, Widget
from livedesk.businesses.portable_export import export_by_slug
from livedesk.businesses.portable_import import ImportOptions, ImportResult, import_text
from livedesk.canned.models import CannedResponse
from livedesk.cli import cli
from livedesk.db import make_engine, make_sessionmaker
from livedesk.demo import DEMO_BUSINESSES, demo_origins, seed_demo
from livedesk.errors import FieldError
from livedesk.knowledge.models import FaqEntry, FaqRevision
from livedesk.settings import Settings

from livedesk_testing import DatabaseTemplate, World

# Every part of the format, with values that are not the defaults.
FULL = """\
format: livedesk-business/1
business:
  slug: bakkerij-jansen
  name: Bakkerij Jansen & Zn.
  language: nl
  timezone: Europe/Brussels
  form_of_address: je
  is_active: true
  guidelines:
    tone: Hartelijk; 'u'.
    never_promise: Geen levering vóór 7:00.
    escalation: Bel de bakker.
    contacts:
      - name: Piet Jansen
        role: eigenaar
        phone: 010-123 45 67
        email: piet@jansen.example
        when: Klachten
    sections:
      - title: Allergenen
        body: |
          Noten en gluten in bijna alles.
          Vraag altijd door.
widgets:
  - name: Winkel
    public_key: jansen-winkel
    allowed_origins: [https://www.jansen.example, "https://bestel.jansen.example:8443"]
    language: auto
    look:
      accent_color: "#aa3300"
      position: left
      launcher_text: Chat met ons
      greeting: Goedemorgen!
      logo_url: https://www.jansen.example/logo.png
    prechat:
      fields:
        - {name: name, label_nl: Naam, label_en: Name, required: true}
        - {name: email, label_nl: E-mail, label_en: E-mail, required: false}
    privacy: {text: We bewaren je vraag 30 dagen., url: https://www.jansen.example/privacy}
    offline_form:
      fields:
        - {name: phone, label_nl: Telefoon, label_en: Phone, required: true}
    is_active: true
  - name: Oude site
    public_key: jansen-oud
    allowed_origins: []
    language: en
    is_active: false
opening_hours:
  weekly:
    mon: [["07:00", "12:00"], ["13:00", "18:00"]]
    tue: [[07:00, 18:00]]
    sun: [["10:00", "14:00"]]
  exceptions:
    2026-12-31: {label: Oudjaar, ranges: [["07:00", "16:00"]]}
    2026-12-25: {label: Eerste Kerstdag, ranges: []}
contract:
  first_reply_seconds: 45
  first_reply_share: 0.9
  max_queue_wait_seconds: 300
  outside_hours: bot
  overflow: bot_then_form
  priority: 3
canned_responses:
  - shortcut: groet
    title: Begroeting
    body: Goedemiddag, u spreekt met {operator} van {business}.
    language: nl
  - {shortcut: greeting, title: Greeting, body: "Hello {visitor}, {operator} here.", language: en}
faq:
  - question: Bakken jullie glutenvrij?
    alternatives: ["Hebben jullie glutenvrij brood?"]
    answer: |-
      Ja, op vrijdag.
      Bestel een dag vooraf: https://www.jansen.example/bestel
    tags: [Allergenen, brood]
    status: published
  - question: Bezorgen jullie?
    answer: Nog niet.
    status: draft
  - question: Bakken jullie glutenvrij?
    answer: Nee.
    status: archived
"""


async def _import(settings: Settings, text: str, name: str = "b.yaml", **options: Any) -> Any:
    return await import_text(settings, text, name, ImportOptions(**options))


async def _export(settings: Settings, slug: str) -> str:
    document = await export_by_slug(settings, slug)
    assert document is not None
    return portable.write_yaml(document)


async def _count(settings: Settings, model: Any, *where: Any) -> int:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return int(await session.scalar(select(func.count()).select_from(model).where(*where)))
    finally:
        await engine.dispose()


async def _rows(settings: Settings, query: Any) -> list[Any]:
    engine = make_engine(settings)
    try:
        async with make_sessionmaker(engine)() as session:
            return list(await session.scalars(query))
    finally:
        await engine.dispose()


async def _empty_database(db_template: DatabaseTemplate, name: str) -> Settings:
    """Another empty, migrated database (on PostgreSQL the same one, emptied)."""
    return Settings(database_url=await db_template.fresh(name), secret_key="test-secret")


def _refused(exc: pytest.ExceptionInfo[portable.ImportRefused]) -> list[tuple[int, str, str]]:
    return [(p.line, p.path, p.code) for p in exc.value.problems]


# ---- reading -------------------------------------------------------------------------------


def test_yaml_reads_as_people_write_it_and_keeps_lines() -> None:
    document = portable.read("a:\n  open: 10:00\n  day: 2026-12-25\n  lang: no\n  n: [1, 2.5]\n")
    assert document.data == {
        "a": {"open": "10:00", "day": "2026-12-25", "lang": "no", "n": [1, 2.5]}
    }
    assert document.lines[("a", "day")] == 3
    assert document.lines[("a", "n", 1)] == 5
    assert document.line(("a", "missing", 0)) == 1  # the nearest ancestor the file has


def test_json_gets_the_same_lines_as_yaml() -> None:
    as_yaml = portable.read(FULL)
    as_json = portable.read(portable.write_json(as_yaml.data), name="b.json")
    assert as_json.data == as_yaml.data
    json_text = portable.write_json(as_yaml.data).splitlines()
    # Each recorded key's line in the JSON text is where that key is written.
    key_path = ("widgets", 0, "look", "position")
    assert '"position"' in json_text[as_json.lines[key_path] - 1]
    item_path = ("faq", 2)
    assert json_text[as_json.lines[item_path] - 1].strip() == "{"


def test_duplicate_keys_and_syntax_errors_name_their_line() -> None:
    with pytest.raises(portable.ImportRefused) as exc:
        portable.read("business:\n  slug: a\n  name: b\n  slug: c\n")
    assert _refused(exc) == [(4, "business.slug", "portable_duplicate_key")]
    with pytest.raises(portable.ImportRefused) as exc:
        portable.read(
            '{\n  "business": {\n    "slug": "a",\n    "slug": "b"\n  }\n}', name="x.json"
        )
    assert _refused(exc) == [(4, "business.slug", "portable_duplicate_key")]
    with pytest.raises(portable.ImportRefused) as exc:
        portable.read('{\n  "business": {\n    "slug": "a",,\n  }\n}', name="x.json")
    assert _refused(exc) == [(3, "", "portable_syntax")]
    with pytest.raises(portable.ImportRefused) as exc:
        portable.read("business:\n  slug: [a\n  name: b\n")
    assert [p.code for p in exc.value.problems] == ["portable_syntax"]


# ---- round trips ---------------------------------------------------------------------------


async def test_round_trip_is_exact(settings: Settings, db_template: DatabaseTemplate) -> None:
    result = await _import(settings, FULL)
    assert isinstance(result, ImportResult) and not result.replaced
    first = await _export(settings, "bakkerij-jansen")
    data = portable.read(first).data
    assert [w["public_key"] for w in data["widgets"]] == ["jansen-oud", "jansen-winkel"]
    assert [w["is_active"] for w in data["widgets"]] == [False, True]
    assert data["widgets"][1]["allowed_origins"] == [
        "https://www.jansen.example",
        "https://bestel.jansen.example:8443",
    ]
    assert data["opening_hours"]["timezone"] == "Europe/Brussels"  # the business's
    assert list(data["opening_hours"]["exceptions"]) == ["2026-12-25", "2026-12-31"]
    assert data["opening_hours"]["weekly"]["tue"] == [["07:00", "18:00"]]
    assert data["contract"]["overflow"] == "bot_then_form"
    assert [c["shortcut"] for c in data["canned_responses"]] == ["greeting", "groet"]
    assert [(e["question"], e["status"]) for e in data["faq"]] == [
        ("Bakken jullie glutenvrij?", "archived"),
        ("Bakken jullie glutenvrij?", "published"),
        ("Bezorgen jullie?", "draft"),
    ]
    assert data["faq"][1]["tags"] == ["allergenen", "brood"]  # the FAQ's own rules applied
    assert data["faq"][1]["answer"].count("\n") == 1

    again = await _empty_database(db_template, "round_trip_again")
    await _import(again, first)
    assert await _export(again, "bakkerij-jansen") == first

    # JSON carries the same document.
    json_copy = await _empty_database(db_template, "round_trip_json")
    await _import(json_copy, portable.write_json(data), name="b.json")
    assert await _export(json_copy, "bakkerij-jansen") == first


async def test_demo_files_import_cleanly_and_are_what_export_prints(settings: Settings) -> None:
    assert {p.stem for p in DEMO_BUSINESSES} >= {
        "fysio-vitaal",
        "autolease-noord",
        "webshop-zonnig",
    }
    for path in DEMO_BUSINESSES:
        text = path.read_text("utf-8")
        await _import(settings, text, path.name)
        exported = await _export(settings, path.stem)
        body = "".join(line for line in text.splitlines(True) if not line.startswith("#"))
        assert exported == body, f"{path.name} is not in the form export prints"
    assert await _count(settings, Business) == len(DEMO_BUSINESSES)
    assert await _count(settings, CannedResponse) >= len(DEMO_BUSINESSES)
    assert await _count(settings, FaqEntry) == 15


async def test_the_demo_seeds_its_files_through_the_import(settings: Settings) -> None:
    seeded = await seed_demo(settings)
    assert seeded.created
    assert sorted(slug for _, slug, _ in seeded.businesses) == [p.stem for p in DEMO_BUSINESSES]
    for path in DEMO_BUSINESSES:
        expected = portable.read(path.read_text("utf-8")).data
        for widget in expected["widgets"]:
            widget["allowed_origins"] = demo_origins(settings)
        assert portable.read(await _export(settings, path.stem)).data == expected
    assert ("fysio-vitaal-klant", "business_user") in seeded.logins
    assert await _count(settings, CannedResponse, CannedResponse.business_id.is_(None)) == 6
    audit = await _rows(settings, select(AuditEntry.actor_name).distinct())
    assert audit == ["livedesk"]
    assert not (await seed_demo(settings)).created


def test_demo_widgets_allow_the_port_the_demo_runs_on() -> None:
    origins = demo_origins(Settings(port=8123, public_url="https://demo.example/livedesk"))
    assert origins == ["https://demo.example", "http://localhost:8123", "http://127.0.0.1:8123"]


# ---- all or nothing ------------------------------------------------------------------------

MISTAKES = """\
format: livedesk-business/1
business:
  slug: Bakkerij Jansen
  name: Jansen
  is_active: maybe
widgets:
  - name: Winkel
    public_key: jansen
    allowed_origins: ["*"]
  - name: Tweede
    public_key: jansen
opening_hours:
  weekly:
    mon: [["18:00", "07:00"]]
contract:
  first_reply_seconds: 45
  first_reply_share: 0.9
  max_queue_wait_seconds: 300
  outside_hours: never
  overflow: bot
  priority: 3
canned_responses:
  - {shortcut: groet, title: Hallo, body: "Hallo {naam}"}
faq:
  - question: Wat kost het?
    answer: <b>Veel</b>
colour: red
"""


async def test_every_mistake_is_reported_with_its_line_and_nothing_is_written(
    settings: Settings,
) -> None:
    with pytest.raises(portable.ImportRefused) as exc:
        await _import(settings, MISTAKES)
    assert _refused(exc) == [
        (3, "business.slug", "slug_invalid"),
        (5, "business.is_active", "bool_parsing"),
        (9, "widgets.0.allowed_origins.0", "origin_wildcard"),
        (11, "widgets.1.public_key", "portable_duplicate"),
        (14, "opening_hours.weekly.mon.0", "hours_end_before_start"),
        (19, "contract.outside_hours", "literal_error"),
        (23, "canned_responses.0.body", "placeholder_unknown"),
        (26, "faq.0.answer", "faq_answer"),
        (27, "colour", "portable_unknown_key"),
    ]
    rendered = {p.render("en") for p in exc.value.problems}
    assert "line 11: widgets.1.public_key: 'jansen' is also on line 8." in rendered
    assert any(
        r.startswith("regel 3: business.slug: Gebruik kleine letters")
        for r in {p.render("nl") for p in exc.value.problems}
    )
    for model in (Business, Widget, CannedResponse, FaqEntry, AuditEntry):
        assert await _count(settings, model) == 0, model.__name__


async def test_an_action_refusing_rolls_back_everything_and_names_the_line(
    settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What only an action can tell comes back at the document's path, and the business
    created before it is rolled back too."""

    async def refuse(*args: Any, **kwargs: Any) -> None:
        raise FieldError({"priority": "priority_reserved"})

    monkeypatch.setattr(business_actions, "do_set_contract", refuse)
    with pytest.raises(portable.ImportRefused) as exc:
        await _import(settings, FULL)
    line = FULL.splitlines().index("  priority: 3") + 1
    assert _refused(exc) == [(line, "contract.priority", "priority_reserved")]
    for model in (Business, Widget, CannedResponse, FaqEntry, FaqRevision, AuditEntry):
        assert await _count(settings, model) == 0, model.__name__


async def test_existing_slug_and_taken_widget_keys_are_refused(
    settings: Settings, world: World
) -> None:
    alpha = await _export(settings, "alpha")
    with pytest.raises(portable.ImportRefused) as exc:
        await _import(settings, alpha)
    assert _refused(exc) == [(3, "business.slug", "portable_slug_exists")]

    # A copy under another slug: its widget key is on alpha's client's pages.
    copy = alpha.replace("slug: alpha", "slug: alpha-staging")
    with pytest.raises(portable.ImportRefused) as exc:
        await _import(settings, copy)
    line = copy.splitlines().index("  public_key: key-alpha") + 1
    assert _refused(exc) == [(line, "widgets.0.public_key", "portable_key_taken")]
    assert await _count(settings, Business) == 2

    result = await _import(settings, copy, new_widget_keys=True)
    new_key = result.new_keys["key-alpha"]
    assert new_key != "key-alpha" and len(new_key) >= 16
    owners = {w.public_key: w.business_id for w in await _rows(settings, select(Widget))}
    assert owners["key-alpha"] == world.a.business_id
    assert owners[new_key] == result.business_id != world.a.business_id


# ---- --replace -----------------------------------------------------------------------------


async def test_replace_updates_the_business_in_place(settings: Settings, world: World) -> None:
    await _import(settings, FULL)
    [business] = await _rows(settings, select(Business).where(Business.slug == "bakkerij-jansen"))
    widgets = {w.public_key: w.id for w in await _rows(settings, select(Widget))}
    data = portable.read(await _export(settings, "bakkerij-jansen")).data

    data["business"]["name"] = "Bakkerij Jansen"
    old, shop = data["widgets"]
    old.update(allowed_origins=["https://oud.jansen.example"], is_active=True)
    data["widgets"] = [old, {**shop, "name": "Nieuw", "public_key": "jansen-nieuw"}]  # no shop
    data["opening_hours"]["weekly"]["sat"] = [["08:00", "12:00"]]
    data["canned_responses"] = [
        {**data["canned_responses"][1], "body": "Goedendag, met {operator}."}
    ]
    data["faq"][1]["answer"] = "Ja, elke dag."
    data["faq"].pop(2)  # "Bezorgen jullie?" is archived
    wanted = portable.write_yaml(data)

    result = await _import(settings, wanted, replace=True)
    assert result.replaced and result.business_id == business.id
    after = portable.read(await _export(settings, "bakkerij-jansen")).data
    assert after["business"]["name"] == "Bakkerij Jansen"
    assert [(w["public_key"], w["is_active"]) for w in after["widgets"]] == [
        ("jansen-nieuw", True),
        ("jansen-oud", True),
        ("jansen-winkel", False),  # no longer in the file: deactivated, never deleted
    ]
    assert after["widgets"][1]["allowed_origins"] == ["https://oud.jansen.example"]
    assert after["widgets"][0]["look"] == after["widgets"][2]["look"]
    assert after["opening_hours"]["weekly"]["sat"] == [["08:00", "12:00"]]
    assert [c["shortcut"] for c in after["canned_responses"]] == ["groet"]
    assert after["canned_responses"][0]["body"] == "Goedendag, met {operator}."
    assert [(e["question"], e["status"], e["answer"]) for e in after["faq"]] == [
        ("Bakken jullie glutenvrij?", "archived", "Nee."),
        ("Bakken jullie glutenvrij?", "published", "Ja, elke dag."),
        ("Bezorgen jullie?", "archived", "Nog niet."),
    ]
    # The same rows were changed, not replaced by new ones.
    now = {w.public_key: w.id for w in await _rows(settings, select(Widget))}
    assert now["jansen-winkel"] == widgets["jansen-winkel"]
    assert now["jansen-oud"] == widgets["jansen-oud"]
    assert await _count(settings, FaqEntry) == 3
    versions = await _rows(settings, select(FaqEntry.version).order_by(FaqEntry.question))
    assert sorted(versions) == [1, 2, 2]

    # Recorded as an import by the command line ("livedesk"), each change with it.
    audit = await _rows(
        settings,
        select(AuditEntry).where(AuditEntry.business_id == business.id).order_by(AuditEntry.id),
    )
    assert {e.actor_name for e in audit} == {"livedesk"}
    assert {e.actor_id for e in audit} == {None}
    imports = [e for e in audit if e.action == "import"]
    assert [e.after["replace"] for e in imports] == [False, True]
    changed = {(e.entity, e.action) for e in audit[audit.index(imports[0]) + 1 :]}
    assert {
        ("business", "update"),
        ("widget", "create"),
        ("widget", "update"),
        ("widget", "activate"),
        ("widget", "deactivate"),
        ("opening_hours", "update"),
        ("canned_response", "delete"),
        ("canned_response", "update"),
    } <= changed
    # The other businesses are untouched.
    assert await _count(settings, Business) == 3


async def test_what_the_file_leaves_out_is_left_alone(settings: Settings) -> None:
    await _import(settings, FULL)
    expected = portable.read(await _export(settings, "bakkerij-jansen")).data
    only_name = "format: livedesk-business/1\nbusiness:\n  slug: bakkerij-jansen\n  name: Jansen\n"
    await _import(settings, only_name, replace=True)
    expected["business"]["name"] = "Jansen"
    assert portable.read(await _export(settings, "bakkerij-jansen")).data == expected


# ---- the command line ----------------------------------------------------------------------


def _cli(*args: str, input: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=input, env={"LANG": "nl_NL.UTF-8"})


async def test_cli_exit_codes_and_messages(settings: Settings, tmp_path: Path) -> None:
    url = ["--database-url", settings.database_url]
    source = tmp_path / "jansen.yaml"
    source.write_text(FULL, encoding="utf-8")

    done = await asyncio.to_thread(_cli, "business", "import", str(source), *url)
    assert done.exit_code == 0, done.output
    assert "aangemaakt bakkerij-jansen: widgets 2, canned_responses 2, faq 3" in done.output

    again = await asyncio.to_thread(_cli, "business", "import", str(source), *url)
    assert again.exit_code == 1
    assert "niet geïmporteerd, er is niets veranderd" in again.output
    assert "regel 3: business.slug: Bedrijf 'bakkerij-jansen' bestaat al" in again.output

    exported = tmp_path / "out.json"
    out = await asyncio.to_thread(
        _cli, "business", "export", "bakkerij-jansen", "--json", "-o", str(exported), *url
    )
    assert out.exit_code == 0, out.output
    data = json.loads(exported.read_text("utf-8"))
    assert data["format"] == "livedesk-business/1"

    # --check validates against the database and changes nothing.
    data["business"]["name"] = "Gecontroleerd"
    exported.write_text(json.dumps(data), encoding="utf-8")
    check = await asyncio.to_thread(
        _cli, "business", "import", str(exported), "--replace", "--check", *url
    )
    assert check.exit_code == 0, check.output
    assert "gecontroleerd, er is niets veranderd" in check.output
    [name] = await _rows(settings, select(Business.name))
    assert name == "Bakkerij Jansen & Zn."

    # From standard input, in English.
    replaced = await asyncio.to_thread(
        _cli,
        "business",
        "import",
        "-",
        "--replace",
        "--language",
        "en",
        *url,
        input=json.dumps(data),
    )
    assert replaced.exit_code == 0, replaced.output
    assert replaced.output.startswith("updated bakkerij-jansen")
    [name] = await _rows(settings, select(Business.name))
    assert name == "Gecontroleerd"

    bad = tmp_path / "bad.yaml"
    bad.write_text(MISTAKES, encoding="utf-8")
    refused = await asyncio.to_thread(
        _cli, "business", "import", str(bad), "--language", "en", *url
    )
    assert refused.exit_code == 1
    assert refused.output.count("\n  line ") == 9
    assert "  line 27: colour: The format has no such part." in refused.output

    missing = await asyncio.to_thread(_cli, "business", "import", str(tmp_path / "no.yaml"), *url)
    assert missing.exit_code == 2
    unknown = await asyncio.to_thread(_cli, "business", "export", "bestaat-niet", *url)
    assert unknown.exit_code == 1 and "geen bedrijf met slug 'bestaat-niet'" in unknown.output
    usage = await asyncio.to_thread(_cli, "business", "import", str(source), "--bogus")
    assert usage.exit_code == 2
    assert await _count(settings, Business) == 1
