"""Scenario inputs (flags, YAML/TOML files, query strings) and the whole-week plan."""

from __future__ import annotations

import json
import tomllib
from dataclasses import asdict, dataclass, field, fields
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from .advice import recommend
from .costs import (
    EXAMPLE_PRICES,
    CostParams,
    PriceModel,
    StepCost,
    break_even,
    cents,
    price_from_dict,
    price_to_dict,
)
from .erlang import SL_VARIANT_TEXT
from .errors import PlanningInputError, require
from .staffing import (
    IntervalPlan,
    System,
    Target,
    capacities,
    lag_aware_rates,
    plan_intervals,
    scheduled_operators,
)

DAYS = ("mon", "tue", "wed", "thu", "fri", "sat", "sun")
DAY_NAMES = {
    "nl": ("ma", "di", "wo", "do", "vr", "za", "zo"),
    "en": ("Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"),
}
DAY_NAMES_FULL = {
    "nl": ("maandag", "dinsdag", "woensdag", "donderdag", "vrijdag", "zaterdag", "zondag"),
    "en": ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"),
}
HOURS_PER_WEEK = 168


@dataclass
class Scenario:
    """Everything the planner needs. Defaults are the whitepaper's example.

    Demand: ``visitors_per_day`` (one number or seven, Monday first), or
    ``visitors_per_hour`` (24 values for every day, or 168 for the week), or
    ``chats_per_hour`` (168 values, e.g. estimated from Livedesk's own data) which bypasses
    visitors and chat rate. ``hourly_profile`` (24 weights over the whole day) says when the
    day's visitors come; visitors in hours the chat is closed do not chat, so only the open
    hours' share of ``visitors_per_day`` chats. Without a profile every visitor of the day is
    taken to come while the chat is open, spread evenly over the open hours.

    The caps ``max_abandon``, ``max_occupancy`` and ``max_asa_s`` are switched off by
    ``None`` or, where a file format has no null (TOML) or on the command line, ``"none"``.
    """

    visitors_per_day: float | list[float] = 1000.0  # assumption: not in the whitepaper
    visitors_per_hour: list[float] | None = None
    hourly_profile: list[float] | None = None
    chats_per_hour: list[float] | None = None
    chat_rate: float = 0.035  # whitepaper: 2–5 % of visitors start a chat; midpoint
    aht_min: float = 10.0  # whitepaper: a chat lasts at least 10 minutes
    concurrency: int = 1
    slowdown: float = 0.0
    patience_min: float = 2.0  # assumption: mean time a visitor waits before leaving
    target_sl: float = 0.80
    answer_within_s: float = 30.0
    max_abandon: float | None = 0.05
    max_occupancy: float | None = None
    max_asa_s: float | None = None
    sl_variant: str = "primary"
    model: str = "erlang-a"
    rule: str = "lag-aware"
    opening: str | dict[str, str | None] = "09:00-23:00"  # whitepaper: 09–23, 7 days
    min_operators: int = 1
    shrinkage: float = 0.0
    gross_salary_month: float = 2000.0
    employer_factor: float = 1.2
    fulltime_hours_week: float = 40.0
    weeks_per_month: float = 4.2
    absence_surcharge: float = 0.10
    prices: list[dict[str, Any]] | None = None  # None: illustrative example prices
    lang: str = "nl"
    extra: dict[str, Any] = field(default_factory=dict, repr=False)

    def __post_init__(self) -> None:
        for name in CAP_FIELDS:
            setattr(self, name, _cap(name, getattr(self, name)))

    # ---- construction -------------------------------------------------------------

    @classmethod
    def from_dict(cls, data: dict[str, Any]) -> Scenario:
        names = {f.name for f in fields(cls)} - {"extra"}
        clean: dict[str, Any] = {}
        for key, value in data.items():
            k = key.replace("-", "_")
            if k not in names:
                raise PlanningInputError(
                    "unknown_field", f"unknown scenario field {key!r}", field=key
                )
            clean[k] = value
        try:
            sc = cls(**clean)
        except TypeError as e:
            raise PlanningInputError("invalid_scenario", str(e)) from e
        sc.validate()
        return sc

    @classmethod
    def from_file(cls, path: str | Path) -> Scenario:
        p = Path(path)
        require(p.is_file(), "missing_file", f"scenario file not found: {p}", path=str(p))
        text = p.read_text(encoding="utf-8")
        import yaml  # only scenario files need it; `livedesk plan` starts faster without

        try:
            if p.suffix.lower() == ".toml":
                data = tomllib.loads(text)
            elif p.suffix.lower() == ".json":
                data = json.loads(text)
            else:
                data = yaml.safe_load(text) or {}
        except (tomllib.TOMLDecodeError, yaml.YAMLError, json.JSONDecodeError) as e:
            raise PlanningInputError("invalid_file", f"cannot read {p.name}: {e}") from e
        require(isinstance(data, dict), "invalid_file", "a scenario file must hold a mapping")
        return cls.from_dict(data)

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("extra")
        return d

    # ---- derived objects ----------------------------------------------------------

    @property
    def system(self) -> System:
        return System(
            self.aht_min, self.patience_min, int(self.concurrency), self.slowdown, self.model
        )

    @property
    def target(self) -> Target:
        return Target(
            self.target_sl,
            self.answer_within_s,
            self.max_abandon,
            self.max_occupancy,
            self.max_asa_s,
            self.sl_variant,
        )

    @property
    def cost_params(self) -> CostParams:
        return CostParams(
            self.gross_salary_month,
            self.employer_factor,
            self.fulltime_hours_week,
            self.weeks_per_month,
            self.absence_surcharge,
        )

    @property
    def price_models(self) -> list[PriceModel]:
        if self.prices is None:
            return list(EXAMPLE_PRICES)
        return [price_from_dict(p) for p in self.prices]

    def validate(self) -> None:
        self.system, self.target, self.cost_params  # noqa: B018 - constructors validate
        require(self.lang in ("nl", "en"), "invalid_lang", "lang must be nl or en")
        require(
            0 < self.chat_rate <= 1,
            "invalid_chat_rate",
            "chat rate must be in (0, 1]",
            chat_rate=self.chat_rate,
        )
        require(self.min_operators >= 0, "invalid_min", "minimum operators must be >= 0")
        require(0 <= self.shrinkage < 1, "invalid_shrinkage", "shrinkage must be in [0, 1)")
        self.open_mask()
        self.price_models  # noqa: B018
        self.chats_per_minute()

    def open_mask(self) -> np.ndarray:
        """168 booleans, Monday 00:00 first."""
        spec = self.opening
        if isinstance(spec, str):
            per_day: dict[str, str | None] = dict.fromkeys(DAYS, spec)
        elif isinstance(spec, dict):
            unknown = set(spec) - set(DAYS)
            require(
                not unknown,
                "invalid_opening",
                f"unknown days {sorted(unknown)}",
                days=sorted(unknown),
            )
            per_day = {d: spec.get(d) for d in DAYS}
        else:
            raise PlanningInputError("invalid_opening", "opening must be text or per-day map")
        mask = np.zeros(HOURS_PER_WEEK, dtype=bool)
        for di, day in enumerate(DAYS):
            for start, end in _parse_hours(per_day[day]):
                mask[di * 24 + start : di * 24 + end] = True
        require(
            bool(mask.any()),
            "empty_schedule",
            "the opening schedule has no open hours",
            opening=str(spec),
        )
        return mask

    def chats_per_minute(self) -> np.ndarray:
        """Arrival rate per hour of the week (chats per minute); zero when closed."""
        mask = self.open_mask()
        if self.chats_per_hour is not None:
            ch = _vector(self.chats_per_hour, (HOURS_PER_WEEK,), "chats_per_hour")
            return np.where(mask, ch, 0.0) / 60.0
        if self.visitors_per_hour is not None:
            v = _vector(self.visitors_per_hour, (24, HOURS_PER_WEEK), "visitors_per_hour")
            visitors = np.tile(v, 7) if v.size == 24 else v
        else:
            per_day = _vector(self.visitors_per_day, (1, 7), "visitors_per_day")
            per_day = np.repeat(per_day, 7) if per_day.size == 1 else per_day
            visitors = np.zeros(HOURS_PER_WEEK)
            if self.hourly_profile is None:
                # no profile: the day's visitors all come while the chat is open, evenly
                for d in range(7):
                    day_mask = mask[d * 24 : (d + 1) * 24]
                    if day_mask.any():
                        visitors[d * 24 : (d + 1) * 24] = per_day[d] * day_mask / day_mask.sum()
            else:
                # a 24-hour profile says when the day's visitors come; those who come while
                # the chat is closed do not chat, so only the open hours' share is used
                prof = _vector(self.hourly_profile, (24,), "hourly_profile")
                if prof.sum() > 0:
                    visitors = np.tile(prof / prof.sum(), 7) * np.repeat(per_day, 24)
        return np.where(mask, visitors, 0.0) * self.chat_rate / 60.0


CAP_FIELDS = ("max_abandon", "max_occupancy", "max_asa_s")
NONE_WORDS = ("none", "geen", "off")


def _cap(name: str, value: Any) -> float | None:
    """A cap is a number, or None/"none" when it is switched off."""
    if value is None:
        return None
    if isinstance(value, str):
        if value.strip().lower() in NONE_WORDS:
            return None
        raise PlanningInputError(
            "invalid_target", f'{name} must be a number or "none"', field=name, value=value
        )
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise PlanningInputError("invalid_target", f'{name} must be a number or "none"', field=name)
    return float(value)


def _vector(value: Any, sizes: tuple[int, ...], name: str) -> np.ndarray:
    arr = np.atleast_1d(np.asarray(value, dtype=float))
    require(
        arr.ndim == 1 and arr.size in sizes,
        "invalid_profile",
        f"{name} needs {' or '.join(map(str, sizes))} values",
        field=name,
    )
    require(bool(np.isfinite(arr).all()), "invalid_profile", f"{name} must be finite")
    require(bool((arr >= 0).all()), "negative_rate", f"{name} must not be negative", field=name)
    return arr


def _parse_hours(spec: str | None) -> list[tuple[int, int]]:
    """'09:00-23:00' or '09-12,13-17'; whole hours because the plan is hourly."""
    if spec is None or str(spec).strip().lower() in ("", "closed", "gesloten", "none"):
        return []
    out = []
    for part in str(spec).split(","):
        try:
            a, b = (x.strip() for x in part.split("-"))
            ha, ma = (int(y) for y in ([*a.split(":"), "0"])[:2])
            hb, mb = (int(y) for y in ([*b.split(":"), "0"])[:2])
        except ValueError as e:
            raise PlanningInputError(
                "invalid_opening", f"cannot read opening hours {part!r}", opening=part
            ) from e
        require(
            ma == 0 and mb == 0,
            "invalid_opening",
            "opening hours must be whole hours",
            opening=part,
        )
        require(
            0 <= ha < hb <= 24,
            "invalid_opening",
            f"opening {part!r} must run forward within one day",
            opening=part,
        )
        out.append((ha, hb))
    return out


@dataclass
class Plan:
    """A week plan; ``rows`` holds one dict per open hour. Pleasant in a notebook."""

    scenario: Scenario
    intervals: list[IntervalPlan]
    inhouse_curve: StepCost
    v_max: float
    summary: dict[str, Any]
    cost_table: list[dict[str, float]]
    outsourcing: list[dict[str, Any]]
    recommendation: str

    @property
    def rows(self) -> list[dict[str, Any]]:
        names = DAY_NAMES[self.scenario.lang]
        out = []
        mask = self.scenario.open_mask()
        for iv in self.intervals:
            if not mask[iv.index]:
                continue
            d, h = divmod(iv.index, 24)
            m = iv.metrics
            out.append(
                {
                    "day": names[d],
                    "hour": f"{h:02d}:00",
                    "hour_of_week": iv.index,
                    "chats": round(iv.lam * 60.0, 3),
                    "operators_per_hour_rule": iv.per_hour_operators,
                    "operators_lag_aware": iv.lag_aware_operators,
                    "operators": iv.operators,
                    "scheduled": iv.scheduled,
                    "service_level": round(m.sl(self.scenario.sl_variant), 4),
                    "abandon": round(m.p_abandon, 4),
                    "asa_s": round(m.asa_s, 1),
                    "occupancy": round(m.occupancy, 4),
                }
            )
        return out

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario": self.scenario.to_dict(),
            "summary": self.summary,
            "rows": self.rows,
            "cost_table": self.cost_table,
            "outsourcing": self.outsourcing,
            "cost_curve": self.cost_curve(),
            "recommendation": self.recommendation,
        }

    def cost_curve(self, points: int = 61) -> list[dict[str, float]]:
        sc = self.scenario
        hours = self.summary["open_hours_per_week"]
        out = []
        for v in np.linspace(0.0, self.v_max, points):
            row = {"chats_per_month": round(float(v), 1), "in_house": cents(self.inhouse_curve(v))}
            for p in sc.price_models:
                row[p.kind] = cents(p.monthly_cost(float(v), hours))
            out.append(row)
        return out

    def simulate(self, replications: int = 20, seed: int | None = 0) -> dict[str, Any]:
        """Simulate the week with the chosen staffing and with the per-hour rule."""
        from .simulate import simulate

        sc = self.scenario
        lam = [iv.lam for iv in self.intervals]
        res = {}
        for name, staff in (
            ("chosen", [iv.operators for iv in self.intervals]),
            ("per_hour", [iv.per_hour_operators for iv in self.intervals]),
        ):
            r = simulate(
                lam,
                staff,
                aht=sc.aht_min,
                patience=sc.patience_min,
                concurrency=sc.concurrency,
                slowdown=sc.slowdown,
                answer_within_s=sc.answer_within_s,
                replications=replications,
                seed=seed,
            )
            t = r.total
            res[name] = {
                "service_level": t.service_level,
                "abandon": t.p_abandon,
                "offered": t.offered,
            }
        return res

    def table(self) -> str:
        from .report import render_text

        return render_text(self)

    def __str__(self) -> str:
        return self.table()

    def _repr_html_(self) -> str:
        from .report import render_html_table

        return render_html_table(self)


def _step_cost(sc: Scenario, lam_week: np.ndarray, mask: np.ndarray, v_now: float) -> tuple:
    """In-house monthly cost as an exact step function of monthly chat volume.

    Hour h is sized for volume · c[h]; it needs n operators from the volume where that rate
    passes the capacity of n - 1 operators. The capacities do not depend on the hour, so
    they are computed once (``capacities``) and every hour's jumps follow by division.
    """
    system, target, cp = sc.system, sc.target, sc.cost_params
    hourly_month = cp.weeks_per_month * cp.hourly_cost * (1 + cp.absence_surcharge)
    v_max = max(10.0 * v_now, 5000.0)
    if lam_week.sum() > 0:
        share = lam_week / lam_week.sum()
    else:
        share = mask / mask.sum()
    weekly_per_month = 1.0 / (cp.weeks_per_month * 60.0)  # chats/month -> chats/min per week
    sized = lag_aware_rates(share, system.holding_time) if sc.rule == "lag-aware" else share
    c = sized * weekly_per_month  # arrival rate to size for = volume · c_h
    caps_arr = np.array(capacities(v_max * float(c.max()), system, target))
    n_min = sc.min_operators
    open_hours = np.flatnonzero(mask)
    base = len(open_hours) * scheduled_operators(n_min, sc.shrinkage)
    ns = np.arange(max(n_min, 0) + 1, len(caps_arr))
    sched = np.array([scheduled_operators(int(n), sc.shrinkage) for n in range(len(caps_arr))])
    steps = (sched[ns] - sched[ns - 1]).astype(float) if ns.size else np.zeros(0)
    rising = steps > 0
    ch = c[open_hours]
    ch = ch[ch > 0]
    # events (volume, cost step): hour h jumps at caps[n - 1] / c[h] by steps[n] people
    volumes = (caps_arr[ns - 1][rising][None, :] / ch[:, None]).ravel()
    costs = np.broadcast_to(steps[rising] * hourly_month, (ch.size, int(rising.sum()))).ravel()
    order = np.lexsort((costs, volumes))
    jumps = volumes[order]
    levels = base * hourly_month + np.concatenate(([0.0], np.cumsum(costs[order])))
    return StepCost(jumps, levels), v_max


def plan(scenario: Scenario | None = None, **overrides: Any) -> Plan:
    """Plan a week. ``plan()`` is the whitepaper's example; keywords override fields."""
    sc = scenario or Scenario()
    if overrides:
        sc = Scenario.from_dict({**sc.to_dict(), **overrides})
    else:
        sc.validate()
    lang = sc.lang
    mask = sc.open_mask()
    lam = sc.chats_per_minute()
    intervals = plan_intervals(
        lam,
        mask,
        sc.system,
        sc.target,
        rule=sc.rule,
        min_operators_open=sc.min_operators,
        shrinkage=sc.shrinkage,
    )
    cp = sc.cost_params
    chats_week = float(lam.sum() * 60.0)
    chats_month = chats_week * cp.weeks_per_month
    open_hours = float(mask.sum())
    operator_hours = float(sum(iv.operators for iv in intervals))
    scheduled_hours = float(sum(iv.scheduled for iv in intervals))
    per_hour_hours = float(
        sum(scheduled_operators(iv.per_hour_operators, sc.shrinkage) for iv in intervals)
    )
    weights = lam / lam.sum() if lam.sum() > 0 else mask / mask.sum()
    sl = float(
        sum(w * iv.metrics.sl(sc.sl_variant) for w, iv in zip(weights, intervals, strict=True))
    )
    ab = float(sum(w * iv.metrics.p_abandon for w, iv in zip(weights, intervals, strict=True)))
    fte = cp.fte(scheduled_hours)
    monthly = cp.monthly_cost(scheduled_hours, with_absence=True)
    curve, v_max = _step_cost(sc, lam, mask, chats_month)
    summary = {
        "chats_per_week": round(chats_week, 2),
        "chats_per_month": round(chats_month, 2),
        "open_hours_per_week": open_hours,
        "operator_hours_per_week": operator_hours,
        "scheduled_hours_per_week": scheduled_hours,
        "per_hour_rule_hours_per_week": per_hour_hours,
        "lag_aware_extra_hours_per_week": scheduled_hours - per_hour_hours
        if sc.rule == "lag-aware"
        else 0.0,
        "peak_operators": max(iv.operators for iv in intervals),
        "service_level": round(sl, 4),
        "service_level_variant": sc.sl_variant,
        "service_level_definition": SL_VARIANT_TEXT[sc.sl_variant],
        "abandon": round(ab, 4),
        "fte": round(fte, 3),
        "fte_with_absence": round(fte * (1 + cp.absence_surcharge), 3),
        "hourly_cost": cp.hourly_cost,
        "hourly_cost_rounded": cp.hourly_cost_rounded,
        "monthly_cost_in_house": cents(monthly),
        "monthly_cost_in_house_no_absence": cents(cp.monthly_cost(scheduled_hours)),
        "monthly_cost_in_house_rounded_rate": cents(
            cp.monthly_cost(scheduled_hours, rounded=True, with_absence=True)
        ),
        "rule": sc.rule,
        "model": sc.model,
    }
    outsourcing = []
    for p in sc.price_models:
        be = break_even(curve, partial(_monthly_cost, p, open_hours=open_hours), v_max)
        outsourcing.append(
            {
                "kind": p.kind,
                "label": p.label(lang),
                "params": price_to_dict(p),
                # rounded per line like a statement of the same month (livedesk.billing)
                "monthly_cost": float(p.monthly_total(chats_month, open_hours)),
                "break_even": [{**b, "volume": round(b["volume"], 1)} for b in be],
            }
        )
    table_hours = sorted({8.0, 16.0, 24.0, 32.0, 40.0})
    result = Plan(sc, intervals, curve, v_max, summary, cp.cost_table(table_hours), outsourcing, "")
    result.recommendation = recommend(result)  # advice.py: the plain-language advice
    return result


def _monthly_cost(price: PriceModel, volume: float, *, open_hours: float) -> float:
    return price.monthly_cost(volume, open_hours)
