"""The console's SVG chart geometry: bars in proportion to their values, on a round axis."""
from app.admin.charts import Series, bar_chart, nice_ceiling, score_histogram


def test_the_axis_tops_out_at_a_round_number_with_whole_steps():
    assert [nice_ceiling(v) for v in (0, 3, 5, 27, 59, 100, 101, 555)] == [
        4, 4, 6, 40, 60, 100, 200, 600]


def test_side_by_side_bars_are_in_proportion_and_nothing_is_drawn_for_zero():
    chart = bar_chart(["a", "b"], [Series("x", [30, 0]), Series("y", [15, 60])])
    heights = {bar["title"]: bar["h"] for bar in chart.bars}
    assert set(heights) == {"a · x: 30", "a · y: 15", "b · y: 60"}
    assert heights["b · y: 60"] == 2 * heights["a · x: 30"] == 4 * heights["a · y: 15"]
    assert all(bar["y"] + bar["h"] == chart.baseline for bar in chart.bars)
    assert not chart.empty and chart.ticks[-1]["label"] == "60"


def test_stacked_bars_sit_on_each_other():
    chart = bar_chart(["d"], [Series("x", [10]), Series("y", [30])], stacked=True)
    low, high = chart.bars
    assert low["y"] + low["h"] == chart.baseline
    assert round(high["y"] + high["h"], 1) == low["y"]
    assert chart.ticks[-1]["label"] == "40"


def test_an_empty_chart_says_so():
    assert bar_chart(["a"], [Series("x", [0])]).empty


def test_the_top_score_shares_the_last_bin():
    bins = score_histogram([(0, 2), (19, 1), (20, 3)], 0, 200)
    assert len(bins) == 20 and bins[0] == (0, 9, 2) and bins[-1] == (190, 200, 4)
