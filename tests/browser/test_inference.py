"""Local inference in headless Chromium: a tiny generation, eager, in both libraries; the tokens in
every column are the NumPy reference's, and the charts and the verdict are drawn."""
from __future__ import annotations

from kernels.inference import config
from kernels.inference.numpy_model import reference
from tests.test_inference_runner import TORCH_MLX

from . import harness


def test_tiny_generation_shows_matching_tokens_and_the_charts(page, screenshots):
    harness.open_from_nav(page, "Local inference")
    variants = page.locator('[data-testid="stMultiSelect"]').nth(2)  # libraries, dtypes, variants
    assert "compiled" in variants.inner_text()
    variants.locator("input").click()
    variants.locator("input").press("Backspace")  # drop "compiled": torch.compile takes a minute here
    page.keyboard.press("Escape")
    harness.wait_for_run(page)
    assert "compiled" not in variants.inner_text()

    page.get_by_role("button", name="Generate and time").click()
    page.get_by_role("heading", name="Verdict").wait_for(timeout=120_000)
    harness.wait_for_run(page, timeout_ms=120_000)
    assert harness.exceptions(page) == []
    charts = page.locator('[data-testid="stVegaLiteChart"]')
    charts.nth(1).wait_for()  # tokens per second, and across context length
    assert charts.count() == 2
    for i in range(charts.count()):
        box = charts.nth(i).locator("canvas, svg").first.bounding_box()
        assert box and box["width"] > 100 and box["height"] > 100

    spec = config.Spec.from_preset("tiny")  # the page's defaults: 32 prompt tokens, 32 new
    expected = config.token_text(reference(spec, config.init_weights(spec)).tokens)
    blocks = [t.strip() for t in page.locator('[data-testid="stCode"] code').all_inner_texts()]
    assert blocks.count(expected) == 1 + len(TORCH_MLX), blocks[:4]  # NumPy's column, then each generation's
    text = harness.main_text(page)
    assert text.count("the reference's 32 tokens") == len(TORCH_MLX) and "Same tokens everywhere" in text
    page.get_by_role("heading", name="Tokens as they are generated").scroll_into_view_if_needed()
    page.screenshot(path=str(screenshots / "inference-after-run.png"))
