"""Small models in headless Chromium: train with the defaults, see the charts and the verdict."""
from __future__ import annotations

from . import harness


def test_training_run_draws_charts_and_a_verdict(page, screenshots):
    harness.open_from_nav(page, "Small models")
    page.get_by_role("button", name="Train and time").click()
    page.get_by_role("heading", name="Verdict").wait_for(timeout=120_000)
    harness.wait_for_run(page, timeout_ms=120_000)
    assert harness.exceptions(page) == []
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(1).wait_for()  # steps/s and loss curves: Vega mounts them a moment after the run

    # Vega draws into a canvas or SVG: a chart that rendered has a non-empty one.
    for i in range(charts.count()):
        box = charts.nth(i).locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100
    text = page.locator('[data-testid="stMain"]').inner_text()
    assert "steps/s" in text or "steps per second" in text.lower()
    page.get_by_role("heading", name="Verdict").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "models-after-run.png"))
