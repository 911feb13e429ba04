"""The outcome table of a community page says why an estimate's trend is flat or not computed, in words, and
shows a period estimate with its years (#19 item 4)."""

from __future__ import annotations

from tests.unit.pages.test_report_pages import outcome, page, text

ESTIMATE = {"estimate": True, "baseline_period_start": None, "latest_period_start": None, "change_moe": None,
            "trend_reason": None}


def test_a_flat_trend_within_the_margin_of_error_says_so_and_periods_show_their_years(tmp_path):
    rows = [outcome("reading", **{**ESTIMATE, "trend": "flat", "change_moe": 5.7, "trend_reason": "within_margin_of_error",
                                  "baseline_year": 2009, "baseline_period_start": 2005, "latest_year": 2014,
                                  "latest_period_start": 2010}),
            outcome("math", **{**ESTIMATE, "trend": "insufficient_data", "trend_reason": "overlapping_periods",
                               "baseline_year": 2021, "baseline_fallback": True}),
            outcome("employment")]  # a row without the estimate fields, as every row of yearly whole counts is
    table = text(page(tmp_path, scores__outcomes=rows).outcome_table())
    assert "Flat (the change is within its margin of error)" in table
    assert "Insufficient data (only overlapping periods, which a trend does not compare)" in table
    assert "2009 (2005-2009)" in table and "2014 (2010-2014)" in table and "2021 (fallback)" in table


def test_rows_without_estimate_fields_read_as_before(tmp_path):
    table = text(page(tmp_path, scores__outcomes=[outcome("reading")]).outcome_table())
    assert "Improving" in table and "margin of error" not in table and "(20" not in table
