"""Demand from a 24-hour profile, and switching the caps off from files and flags."""

from __future__ import annotations

import json

import pytest
import typer
from typer.testing import CliRunner

from livedesk import planning as lp
from livedesk.planning.cli import register
from livedesk.planning.errors import PlanningInputError

# A webshop's visitors by hour of the day (midnight first): quiet at night, a lunch bump and
# an evening peak. 13 % of the day's weight falls outside 09:00-23:00.
WEBSHOP = [2, 1, 1, 1, 1, 1, 1, 2, 3, 5, 6, 7, 8, 7, 6, 6, 7, 8, 8, 9, 9, 8, 6, 2]


def test_the_webshop_profile_puts_13_percent_outside_opening_hours() -> None:
    outside = sum(WEBSHOP[:9]) + sum(WEBSHOP[23:])
    assert outside / sum(WEBSHOP) == pytest.approx(0.13, abs=0.005)


def test_visitors_outside_opening_hours_do_not_chat() -> None:
    p = lp.plan(visitors_per_day=1000, hourly_profile=WEBSHOP)  # open 09:00-23:00
    open_share = sum(WEBSHOP[9:23]) / sum(WEBSHOP)
    assert p.summary["chats_per_week"] == pytest.approx(1000 * open_share * 0.035 * 7, abs=0.01)
    assert open_share == pytest.approx(0.87, abs=0.005)
    # each open hour gets its own share of the whole day, not a share of the open hours
    by_hour = {r["hour"]: r["chats"] for r in p.rows if r["day"] == "ma"}
    assert by_hour["12:00"] == pytest.approx(1000 * WEBSHOP[12] / sum(WEBSHOP) * 0.035, abs=1e-3)
    assert by_hour["20:00"] == pytest.approx(1000 * WEBSHOP[20] / sum(WEBSHOP) * 0.035, abs=1e-3)
    # a shorter Saturday loses the visitors of the hours it is closed
    short = lp.plan(
        visitors_per_day=[1000] * 5 + [600, 0],
        hourly_profile=WEBSHOP,
        opening={d: "09:00-17:00" for d in ("mon", "tue", "wed", "thu", "fri")}
        | {"sat": "10:00-14:00", "sun": None},
    )
    sat = sum(r["chats"] for r in short.rows if r["day"] == "za")
    assert sat == pytest.approx(600 * sum(WEBSHOP[10:14]) / sum(WEBSHOP) * 0.035, abs=1e-3)


def test_without_a_profile_the_days_visitors_come_while_open() -> None:
    p = lp.plan(visitors_per_day=1000, opening="09:00-17:00")
    assert p.summary["chats_per_week"] == pytest.approx(1000 * 0.035 * 7)
    assert all(r["chats"] == pytest.approx(1000 * 0.035 / 8, abs=1e-3) for r in p.rows)


# ---- switching the abandonment cap off ------------------------------------------------


def test_toml_and_yaml_switch_the_abandonment_cap_off(tmp_path) -> None:
    capped = lp.plan(visitors_per_day=3000)  # at this volume the 5 % cap decides
    toml = tmp_path / "s.toml"
    toml.write_text('visitors_per_day = 3000\nmax_abandon = "none"\n', encoding="utf-8")
    sc = lp.Scenario.from_file(toml)
    assert sc.max_abandon is None and sc.target.max_abandon is None
    free = lp.plan(sc)
    assert free.summary["abandon"] > 0.05 > capped.summary["abandon"]
    assert free.summary["scheduled_hours_per_week"] < capped.summary["scheduled_hours_per_week"]
    yaml_file = tmp_path / "s.yaml"
    yaml_file.write_text("visitors_per_day: 3000\nmax_abandon: geen\n", encoding="utf-8")
    assert lp.plan(lp.Scenario.from_file(yaml_file)).summary == free.summary
    assert lp.Scenario.from_dict({"max_occupancy": "None", "max_asa_s": "off"}).max_asa_s is None
    bad = tmp_path / "bad.toml"
    bad.write_text('max_abandon = "five percent"\n', encoding="utf-8")
    with pytest.raises(PlanningInputError) as e:
        lp.Scenario.from_file(bad)
    assert e.value.code == "invalid_target" and "none" in e.value.message


def _cli() -> typer.Typer:
    app = typer.Typer()

    @app.callback()
    def main() -> None:
        """Livedesk (test harness)."""

    register(app)
    return app


def test_cli_max_abandon_none_overrides_the_file(tmp_path) -> None:
    toml = tmp_path / "s.toml"
    toml.write_text("visitors_per_day = 3000\nmax_abandon = 0.02\n", encoding="utf-8")
    out = tmp_path / "p.json"
    runner = CliRunner()
    res = runner.invoke(
        _cli(), ["plan", "-s", str(toml), "--max-abandon", "none", "--json", str(out)]
    )
    assert res.exit_code == 0, res.output
    data = json.loads(out.read_text())
    assert data["scenario"]["max_abandon"] is None
    assert data["summary"] == lp.plan(visitors_per_day=3000, max_abandon=None).to_dict()["summary"]
    res = runner.invoke(_cli(), ["plan", "-s", str(toml), "--json", str(out)])
    assert json.loads(out.read_text())["scenario"]["max_abandon"] == 0.02
    res = runner.invoke(_cli(), ["plan", "--max-abandon", "0.1", "--json", str(out)])
    assert json.loads(out.read_text())["scenario"]["max_abandon"] == 0.1
    res = runner.invoke(_cli(), ["plan", "--max-abandon", "lots"])
    assert res.exit_code == 2 and "invalid_target" in res.output
