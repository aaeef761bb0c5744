"""The timeline picture, drawn on the server: what it shows and that it is valid SVG."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import ClassVar
from xml.etree import ElementTree

import pytest

from service.domain.case.responsibility import Period
from service.web import words
from service.web.timeline_scale import ticks as axis_ticks
from service.web.timeline_svg import draw_timeline

SVG = "{http://www.w3.org/2000/svg}"
OPENED = datetime(2026, 3, 2, 10, 30, tzinfo=UTC)
NOW = datetime(2026, 11, 26, 9, 0, tzinfo=UTC)
HANDOVER = datetime(2026, 11, 28, 0, 0, tzinfo=UTC)  # the start of 28 November, GMT


def _draw(periods: list[Period], now: datetime = NOW) -> ElementTree.Element:
    timeline = draw_timeline(periods, now, words.authority_label, words.when)
    return ElementTree.fromstring(timeline.svg)


def _groups(svg: ElementTree.Element, kind: str) -> list[ElementTree.Element]:
    return [g for g in svg.iter(f"{SVG}g") if kind in g.attrib.get("class", "").split()]


def _bar_x(group: ElementTree.Element) -> float:
    rect = group.find(f"{SVG}rect")
    assert rect is not None
    return float(rect.attrib["x"])


class TestAScheduledHandOver:
    periods: ClassVar[list[Period]] = [Period("933", OPENED, HANDOVER), Period("801", HANDOVER)]

    def test_draws_the_future_period_hatched_with_a_dashed_edge(self) -> None:
        svg = _draw(self.periods)
        (scheduled,) = _groups(svg, "app-timeline__period--scheduled")
        assert scheduled.attrib["data-authority"] == "801"
        assert scheduled.attrib["data-since"] == HANDOVER.isoformat()
        rect = scheduled.find(f"{SVG}rect")
        assert rect is not None
        assert rect.attrib["fill"].startswith("url(#timeline-hatch-")
        assert "stroke-dasharray" in rect.attrib
        assert "Scheduled from 28 Nov 2026" in "".join(scheduled.itertext())

    def test_marks_today_between_now_and_the_hand_over(self) -> None:
        svg = _draw(self.periods)
        (today,) = _groups(svg, "app-timeline__today")
        line = today.find(f"{SVG}line")
        assert line is not None
        (current,) = _groups(svg, "app-timeline__period--current")
        (scheduled,) = _groups(svg, "app-timeline__period--scheduled")
        assert _bar_x(current) < float(line.attrib["x1"]) < _bar_x(scheduled)
        assert "Today" in "".join(today.itertext())

    def test_has_one_lane_per_authority_named_with_its_code(self) -> None:
        lanes = _groups(_draw(self.periods), "app-timeline__lane")
        assert [lane.attrib["data-authority"] for lane in lanes] == ["933", "801"]
        assert [lane.findtext(f"{SVG}title") for lane in lanes] == [
            "Somerset (933)",
            "Bristol, City of (801)",
        ]

    def test_says_in_words_what_it_shows(self) -> None:
        timeline = draw_timeline(self.periods, NOW, words.authority_label, words.when)
        assert timeline.summary == (
            "Somerset (933) responsible from Monday 2 March 2026 at 10:30am GMT until the "
            "start of Saturday 28 November 2026 (midnight GMT). Scheduled: Bristol, City of "
            "(801) responsible from the start of Saturday 28 November 2026 (midnight GMT). "
            "Today is Thursday 26 November 2026 at 9am GMT."
        )
        svg = ElementTree.fromstring(timeline.svg)
        assert svg.attrib["role"] == "img"
        assert svg.attrib["aria-labelledby"] == "timeline-title timeline-desc"
        assert svg.findtext(f"{SVG}desc") == timeline.summary
        assert svg.findtext(f"{SVG}title")

    def test_uses_no_style_attribute_which_the_pages_csp_would_refuse(self) -> None:
        svg = _draw(self.periods)
        assert all("style" not in element.attrib for element in svg.iter())


class TestOtherShapes:
    def test_an_open_case_runs_on_to_the_edge(self) -> None:
        svg = _draw([Period("933", OPENED)])
        (current,) = _groups(svg, "app-timeline__period--current")
        assert current.find(f"{SVG}path") is not None  # the open-end chevron
        assert current.attrib["data-until"] == ""

    def test_a_closed_case_ends_before_today(self) -> None:
        closed = OPENED + timedelta(days=30)
        svg = _draw([Period("933", OPENED, closed)])
        (past,) = _groups(svg, "app-timeline__period--past")
        assert past.find(f"{SVG}path") is None
        assert past.attrib["data-until"] == closed.isoformat()

    def test_an_authority_holding_the_case_twice_keeps_one_lane(self) -> None:
        back = HANDOVER + timedelta(days=40)
        periods = [
            Period("933", OPENED, HANDOVER),
            Period("801", HANDOVER, back),
            Period("933", back),
        ]
        svg = _draw(periods, now=back + timedelta(days=1))
        assert len(_groups(svg, "app-timeline__lane")) == 2
        assert len(_groups(svg, "app-timeline__period")) == 3

    def test_names_are_escaped(self) -> None:
        timeline = draw_timeline(
            [Period("933", OPENED)], NOW, lambda code: "<b>A & B</b>", words.when
        )
        svg = ElementTree.fromstring(timeline.svg)
        assert "<b>" not in timeline.svg
        assert "<b>A & B</b>" in "".join(svg.itertext())

    def test_no_periods_draws_an_empty_labelled_picture(self) -> None:
        svg = _draw([])
        assert svg.attrib["aria-label"] == "The case has no periods of responsibility yet."


class TestAxisTicks:
    @pytest.mark.parametrize(
        "span",
        [
            timedelta(hours=3),
            timedelta(days=1),
            timedelta(days=9),
            timedelta(days=60),
            timedelta(days=500),
            timedelta(days=4000),
        ],
    )
    def test_at_most_six_in_order_within_the_plot(self, span: timedelta) -> None:
        ticks = axis_ticks(NOW, NOW + span)
        assert 1 <= len(ticks) <= 6
        instants = [instant for instant, _ in ticks]
        assert instants == sorted(instants)
        assert all(NOW <= instant <= NOW + span for instant in instants)

    def test_days_are_labelled_by_date_and_months_by_month(self) -> None:
        assert axis_ticks(NOW, NOW + timedelta(days=9))[0][1] == "27 Nov"
        assert axis_ticks(NOW, NOW + timedelta(days=500))[0][1] == "Jan 2027"
        assert axis_ticks(NOW, NOW + timedelta(hours=5))[0][1] == "26 Nov, 9am"
