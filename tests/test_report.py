"""The comparison report: figures exist, report.html is self-contained, zh renders Chinese."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import pytest
from matplotlib import font_manager
from matplotlib.ft2font import FT2Font

from experiments import report
from experiments.engine import compare
from experiments.report import plot as figures
from experiments.studies.comparison import report as comparison_report
from sim import default_market

FIGS = (
    "profit_vs_baseline",
    "profit_distribution",
    "retention_curves",
    "cost_breakdown",
    "segment_shifts",
)


@pytest.fixture(scope="module")
def comparison(tmp_path_factory):
    """A tiny real comparison (2 years so that yearly retention exists), written to disk."""
    out = tmp_path_factory.mktemp("compare")
    market = default_market(n_customers=1000, years=2)
    result = compare(
        market,
        ["none", "gift_budget", "reactivation"],
        replications=3,
        workers=1,
        store=out / "run_store",
        progress=False,
    )
    plan, res, table = result.plan, result.study, result.table
    table.to_csv(out / "comparison.csv", index=False)
    res.runs.to_parquet(out / "runs.parquet", index=False)
    res.series.to_parquet(out / "timeseries.parquet", index=False)
    res.yearly.to_csv(out / "yearly_retention.csv", index=False)
    res.segments.to_csv(out / "segments_by_year.csv", index=False)
    meta = {
        "baseline": "none",
        "policies": plan.policies,
        "replications": 3,
        "seeds": plan.seeds,
        "level": 0.95,
        "n_customers": 1000,
        "years": 2,
        "tick": "week",
        "focal_store": "focal",
        "workers": 1,
        "runs": plan.n_runs,
        "wall_seconds": round(res.wall_seconds, 2),
        "roi_method": "delta",
        "market_config": market.to_dict(),
    }
    import json

    (out / "meta.json").write_text(json.dumps(meta))
    return out, dict(
        table=table,
        runs=res.runs,
        series=res.series,
        yearly=res.yearly,
        segments=res.segments,
        meta=meta,
    )


def self_contained(html: str) -> None:
    imgs = re.findall(r'<img src="([^"]*)"', html)
    assert len(imgs) == len(FIGS)
    assert all(src.startswith("data:image/png;base64,") for src in imgs)
    assert not re.search(r'(src|href)="(?!data:)', html)  # nothing loaded from elsewhere
    assert "<script" not in html and "@import" not in html
    assert all(u.startswith("data:") for u in re.findall(r"url\(([^)]*)\)", html))


def test_english_report_and_figures(comparison):
    out, frames = comparison
    html_path = report.write_report(out, lang="en", **frames)
    assert html_path == out / "report.html"
    for name in FIGS:
        png = out / f"{name}.png"
        assert png.is_file() and png.read_bytes()[:4] == b"\x89PNG"
    html = html_path.read_text(encoding="utf-8")
    self_contained(html)
    assert "Gift budget" in html and "vs Doing nothing" in html
    assert re.search(r"Gift budget</b>: [+-]\d+\.\d% profit \(95% CI [+-]\d", html)
    assert "keeps" in html and "top-20% customers" in html
    # the store's display name, never its id; profit over the horizon and per year
    assert "<title>Which retention policy pays? — Your county store</title>" in html
    assert "— focal" not in html and ">focal<" not in html
    assert "over 2 years" in html and "a year" in html and "Profit ¥ per year" in html
    assert "@media print" in html


def test_chinese_report_contains_chinese_and_uses_a_cjk_font(comparison):
    out, _ = comparison
    family = figures.find_cjk_font()
    assert family is not None, f"no CJK font: {figures.FONT_HINT}"
    path = font_manager.findfont(
        font_manager.FontProperties(family=family), fallback_to_default=False
    )
    assert FT2Font(path).get_char_index(ord("利")) != 0  # the font has the glyphs
    html_path = report.report_from_dir(out, lang="zh")
    assert html_path == out / "report_zh.html"
    html = html_path.read_text(encoding="utf-8")
    self_contained(html)
    assert 'lang="zh-CN"' in html
    assert "什么都不做" in html and "礼品预算" in html and "利润" in html
    assert "您的县城门店" in html and "2年" in html
    shown = re.sub(r"<style>.*?</style>|data:[^\"')]+", "", html, flags=re.S)
    assert "n/a" not in shown and "pp" not in shown
    # the embedded font subset covers every character on the page
    assert '@font-face { font-family: "Lab Noto Sans SC"' in html
    for name in FIGS:
        assert (out / f"{name}_zh.png").is_file()


def test_report_cli_rebuilds_and_rejects_a_wrong_dir(comparison, tmp_path, capsys):
    out, _ = comparison
    before = (out / "report_zh.html").stat().st_mtime_ns if (out / "report_zh.html").exists() else 0
    assert report.main([str(out), "--lang", "en"]) == 0
    assert (out / "report.html").is_file()  # one naming rule: report.html in English
    assert not (out / "report_en.html").exists()
    if before:
        assert (out / "report_zh.html").stat().st_mtime_ns == before  # the other language kept
    assert report.main([str(tmp_path)]) == 2
    assert "not a comparison output directory" in capsys.readouterr().err


@pytest.mark.parametrize(
    ("name", "content", "said"),
    [
        ("meta.json", "{bad", "meta.json: cannot be read"),
        ("meta.json", "[]", "meta.json: cannot be read (a JSON object was expected"),
        ("meta.json", "{}", "do not make a comparison's report (KeyError"),
        ("comparison.csv", "", "comparison.csv: cannot be read"),
        ("runs.parquet", "not parquet", "runs.parquet: cannot be read"),
        ("yearly_retention.csv", "a,b\n1,2\n", "do not make a comparison's report"),
    ],
)
def test_report_cli_names_a_damaged_file_in_one_line(
    comparison, tmp_path, capsys, name, content, said
):
    out, _ = comparison
    for n in comparison_report.NEEDED:
        shutil.copy(out / n, tmp_path / n)
    (tmp_path / name).write_text(content)
    assert report.main([str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert said in err and err.count("\n") == 2 and "Traceback" not in err
    assert err.startswith(f"note: {tmp_path} has no COMPLETE marker")  # copied without it


def test_policy_labels_fall_back_to_readable_names():
    labels = report.policy_labels(
        ["none", "my_new_policy", "x"], "zh", {"x": {"en": "X!", "zh": "某策略"}}
    )
    assert labels == {"none": "什么都不做", "my_new_policy": "My new policy", "x": "某策略"}


def test_missing_cjk_font_warns_once(monkeypatch, tmp_path):
    monkeypatch.setattr(figures, "find_cjk_font", lambda: None)
    monkeypatch.setattr(figures, "_warned", False)
    with pytest.warns(UserWarning, match="no CJK font found"):
        with figures.style("zh"):
            pass
    assert Path(tmp_path).is_dir()


def test_chinese_formatting_translates_missing_values_and_rounds_durations():
    f = report.Fmt("zh")
    assert f.money(float("nan")) == "无数据" and f.pct(float("inf")) == "无数据"
    assert f.duration(12.3456) == "约12秒" and f.duration(754) == "约12.6分钟"
    assert report.Fmt("en").duration(12.3456) == "12 s"


def test_page_shell_embeds_a_subset_font_of_exactly_the_page_text():
    import base64
    import io

    from fontTools.ttLib import TTFont

    from experiments.report_page import render_page, section

    page = render_page("留客 A", [section("利润", "<p>¥1 <b>好</b></p>")], "zh")
    b64 = re.search(r"base64,([A-Za-z0-9+/=]+)\)", page).group(1)
    font = TTFont(io.BytesIO(base64.b64decode(b64)))
    cmap = set(chr(c) for c in font.getBestCmap())
    assert set("留客A利润¥1好") <= cmap
    assert "钱" not in cmap and len(cmap) < 40  # a subset, not the whole font
    en = render_page("Plain", [section("Profit", "<p>ok</p>")], "en")
    assert "@font-face" not in en  # nothing to embed on a Latin-only page
    assert "@font-face" in render_page("Store 县城", [], "en")


def test_embedded_font_subset_is_reproducible():
    """The subset keeps the source font's timestamp, so one page text gives one byte string
    (a rerun's report differs only where its numbers do)."""
    import io

    from fontTools.ttLib import TTFont

    from experiments.report.page import cjk_font_file, subset_font

    found = cjk_font_file()
    if found is None:
        pytest.skip("no CJK font file")
    path, index = found
    sub = TTFont(io.BytesIO(subset_font(path, index, "利润留存")))
    source = TTFont(str(path), fontNumber=index, lazy=True)
    assert sub["head"].modified == source["head"].modified
    assert sub.getBestCmap().keys() >= {ord(c) for c in "利润留存"}


def test_a_rebuilt_report_is_listed_with_the_study_s_outputs(comparison, tmp_path):
    """A Chinese report rebuilt later is the comparison's own output: the next comparison into
    the directory removes it with the rest instead of leaving a stale report_zh.html."""

    from experiments.engine.outputs import MANIFEST, prepare_output_dir, record_outputs

    out = tmp_path / "c"
    shutil.copytree(comparison[0], out, ignore=shutil.ignore_patterns("run_store"))
    (out / MANIFEST).unlink(missing_ok=True)
    record_outputs(out, "compare", set(), {"policies": ["none", "gift_budget"]})
    report.report_from_dir(out, lang="zh")
    listed = json.loads((out / MANIFEST).read_text())["files"]
    assert "report_zh.html" in listed and any(n.endswith("_zh.png") for n in listed)
    prepare_output_dir(out, "compare", {"policies": ["none"]})  # another comparison
    assert not (out / "report_zh.html").exists()
    assert not list(out.glob("*_zh.png"))
