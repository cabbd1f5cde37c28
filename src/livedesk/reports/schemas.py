"""What a report request asks for (the period as local dates, whose figures) and the shapes of
the JSON answers (for the API documentation)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from pydantic import BaseModel, ConfigDict, Field

from livedesk import i18n
from livedesk.errors import FieldError

MAX_DAYS = 366  # a year (a leap year's too) in one report

i18n.register(
    {
        "nl": {
            "report_range_reversed": "De einddatum ligt vóór de begindatum.",
            "report_range_too_long": "Kies hoogstens {max_days} dagen.",
            "date_parsing": "Vul een datum in als 2026-03-31.",
            "date_from_datetime_parsing": "Vul een datum in als 2026-03-31.",
            "date_from_datetime_inexact": "Vul een datum in zonder tijd, als 2026-03-31.",
            "report_table_unknown": "Deze tabel bestaat niet.",
        },
        "en": {
            "report_range_reversed": "The end date lies before the start date.",
            "report_range_too_long": "Choose at most {max_days} days.",
            "date_parsing": "Enter a date like 2026-03-31.",
            "date_from_datetime_parsing": "Enter a date like 2026-03-31.",
            "date_from_datetime_inexact": "Enter a date without a time, like 2026-03-31.",
            "report_table_unknown": "This table does not exist.",
        },
    }
)


@dataclass(frozen=True, slots=True)
class ReportQuery:
    """`first`..`last`: local dates, both included (`from`/`to` in the query string)."""

    first: date
    last: date
    business_id: str | None = None
    operator_id: str | None = None

    def check(self) -> ReportQuery:
        if self.last < self.first:
            raise FieldError({"to": "report_range_reversed"})
        if (self.last - self.first).days + 1 > MAX_DAYS:
            raise FieldError({"to": "report_range_too_long"}, max_days=MAX_DAYS)
        return self


class PeriodOut(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    from_: date = Field(alias="from")
    to: date
    timezone: str
    start: str = Field(description="local midnight of `from`, UTC")
    end: str = Field(description="local midnight after `to`, UTC (excluded)")


class ScopeOut(BaseModel):
    business_id: str | None
    business_name: str | None
    operator_id: str | None


class ChatsOut(BaseModel):
    offered: int
    answered: int
    missed: int
    abandoned: int
    closed_unanswered: int
    open: int


class WaitBucketOut(BaseModel):
    bucket: str
    abandoned: int
    missed: int


class CountBucketOut(BaseModel):
    bucket: str
    count: int


class FirstReplyOut(BaseModel):
    count: int
    within_target: int
    waited_for_a_person: int
    within_target_share: float | None
    mean: float | None
    p50: float | None
    p90: float | None
    buckets: list[CountBucketOut]


class HandleTimeOut(BaseModel):
    count: int
    mean: float | None
    p50: float | None
    p90: float | None


class OccupancyOut(BaseModel):
    online_seconds: float | None
    held_seconds: float | None
    capacity_seconds: float | None
    occupancy: float | None
    concurrency_mean: float | None
    concurrency_peak: int


class CommentOut(BaseModel):
    conversation_id: str
    business_id: str
    score: int
    comment: str | None = Field(description="as the visitor typed it: plain text, never HTML")
    at: str


class ScoreOut(BaseModel):
    score: int
    count: int


class CsatOut(BaseModel):
    count: int
    mean: float | None
    satisfied_share: float | None
    scores: list[ScoreOut]
    comments: list[CommentOut]


class KindOut(BaseModel):
    kind: str
    count: int


class LeadsOut(BaseModel):
    count: int
    from_chats: int
    accepted: int
    lead_rate: float | None
    by_kind: list[KindOut]


class DayOut(BaseModel):
    date: str
    offered: int
    answered: int
    missed: int
    abandoned: int
    within_target: int
    offline_messages: int
    leads: int


class HeatmapOut(BaseModel):
    period: PeriodOut
    scope: ScopeOut
    target_seconds: float | None
    arrivals: list[list[int]] = Field(description="[weekday 0 = Monday][local hour]")
    missed: list[list[int]] = Field(description="visitors who left without a reply")


class SummaryOut(BaseModel):
    period: PeriodOut
    scope: ScopeOut
    target_seconds: float | None = Field(description="the business's first-reply target")
    chats: ChatsOut
    abandoned_by_wait: list[WaitBucketOut]
    offline_messages: int
    bot: dict[str, int]
    first_reply: FirstReplyOut
    handle_time: HandleTimeOut
    occupancy: OccupancyOut
    heatmap: dict[str, list[list[int]]]
    csat: CsatOut
    leads: LeadsOut
    faq: dict[str, int]
    days: list[DayOut]


class OperatorRowOut(BaseModel):
    operator_id: str
    name: str
    offers_received: int
    accepted: int
    offered: int = Field(description="chats this operator was responsible for")
    answered: int
    missed: int
    abandoned: int
    within_target: int
    within_target_share: float | None
    first_reply_p50: float | None
    handle_time_mean: float | None
    online_seconds: float | None
    held_seconds: float | None
    capacity_seconds: float | None
    occupancy: float | None
    concurrency_mean: float | None
    concurrency_peak: int
    csat_count: int
    csat_mean: float | None
    leads: int


class OperatorsOut(BaseModel):
    period: PeriodOut
    scope: ScopeOut
    target_seconds: float | None
    operators: list[OperatorRowOut]
