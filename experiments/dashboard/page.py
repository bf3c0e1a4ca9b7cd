"""The Solara page: one independent pair of models per browser session.

Everything a session owns (its settings, its `Twin` of models, play state) lives in component
state (`solara.use_reactive` / `use_memo`), which Solara keeps per browser session (virtual
kernel): two tabs never share a model, and a new tab starts at week 0. Changing a setting builds
a new `Twin` (the run restarts; the page says so). Play runs in a thread tied to the session: it
stops when the page is closed or the run ends.

Mesa's `SolaraViz` is not used: it keeps the model given at import time (shared by every
session) and has one model per page, where this page needs two in step.
"""

from __future__ import annotations

import html
import threading
import time
from functools import lru_cache

import solara
import solara.lab
from solara.alias import rv

from experiments.dashboard import charts, market_view, scale, story, text
from experiments.dashboard.catalog import (
    policy_choices,
    policy_configs,
    session_market,
    store_market,
)
from experiments.dashboard.twin import Twin, horizon_value_from
from experiments.report_page import font_face
from sim import default_market

DEFAULTS = {
    "policy": "vip_program",
    # the one store of every tool: the default market's, or the LAB_MARKET store's own size
    "n_customers": (store_market() or default_market()).n_customers,
    "years": 3,
    "seed": 1,
}
PLAY_PAUSE_SECONDS = 0.2
TABS = ("tab_compare", "tab_market", "tab_story")

CSS = """
.lab-page, .lab-page .v-btn, .lab-page .v-label, .lab-page .v-select__selection,
.lab-page .v-list-item__title, .lab-page .v-tab, .v-menu__content .v-list-item__title {
  font-family: Roboto, "Segoe UI", Arial, "%(family)s", sans-serif; }
.lab-date { font-size: 1.35em; font-weight: 600; }
.lab-card { padding: .5em .9em; border-radius: 6px; background: #f5f5f5; min-width: 12em; }
.lab-card .v { font-size: 1.3em; font-weight: 600; }
.lab-card .up { color: #2e7d32; } .lab-card .down { color: #c62828; }
.lab-note { color: #616161; font-size: .9em; }
.lab-slider-label { margin-top: .6em; color: #424242; }
.lab-slider { width: 100%%; min-width: 14em; }
.lab-slider .v-input__slot { margin: 0; }
.lab-axes { position: absolute; width: 1px; height: 1px; overflow: hidden; clip: rect(0 0 0 0); }
table.lab-table { border-collapse: collapse; font-size: .88em; }
table.lab-table th, table.lab-table td { padding: .25em .6em; border-bottom: 1px solid #eee;
  text-align: right; }
table.lab-table th:nth-child(-n+3), table.lab-table td:nth-child(-n+3) { text-align: left; }
"""


@lru_cache(maxsize=1)
def page_css() -> str:
    """The page's CSS with an embedded subset of the CJK font for every Chinese label it can
    show: the Chinese UI renders on a machine without CJK fonts, with no network."""
    strings: list[str] = []
    for table in (text.TEXT["zh"],):
        strings += list(table.values())
    for group in (text.CLASS_LABELS, text.STATE_LABELS, text.PLACE_LABELS):
        strings += [zh for _, zh in group.values()]
    strings += [zh for _, zh in text.VIA_LABELS]
    strings += [text.policy_label(p, "zh", c) for p, c in policy_configs().items()]
    from experiments.figures import SEGMENT_LABELS
    from experiments.report import STORE_NAMES_ZH

    strings += [zh for _, zh in SEGMENT_LABELS.values()] + list(STORE_NAMES_ZH.values())
    strings += list(text.LANGS.values())
    from experiments.report.provenance import _TEXT as PROVENANCE

    strings += list(PROVENANCE["zh"].values())
    chars = {c for s in strings for c in s if not c.isspace()}
    chars |= set("0123456789,.%¥+-−–:;()[]/#★·年月日周第共")
    return font_face(frozenset(chars)) + CSS % {"family": "Lab Noto Sans SC"}


def _connected(context) -> bool:
    """Is a browser page of this session still open? (True outside a server, e.g. in tests.)"""
    if context is None:
        return True
    from solara.server.kernel_context import PageStatus

    return PageStatus.CONNECTED in context.page_status.values()


def _current_context():
    try:
        from solara.server.kernel_context import get_current_context

        return get_current_context()
    except Exception:  # noqa: BLE001 - no server (solara.render in tests, notebooks)
        return None


def _select(label: str, items: list[tuple[str, object]], value, on_value, cls: str):
    return rv.Select(
        label=label,
        items=[{"text": t, "value": val} for t, val in items],
        v_model=value,
        on_v_model=on_value,
        class_=cls,
        dense=True,
    )


def _money(x: float, signed: bool = False) -> str:
    return format(round(float(x)) + 0.0, "+,.0f" if signed else ",.0f")


@solara.component
def Card(title: str, value: str, positive: bool | None, cls: str) -> None:
    tone = "" if positive is None else ("up" if positive else "down")
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f'<div>{html.escape(title)}</div><div class="v {tone}">{html.escape(value)}</div>'
        ),
        classes=["lab-card", cls],
    )


CUSTOMERS = (2_000, 50_000, 2_000)
"""Customers slider: min, max, step (25 positions, the default market's 20,000 among them)."""


def customer_bounds(own: int, bounds: tuple[int, int, int] = CUSTOMERS) -> tuple[int, int, int]:
    """The customers slider's (min, max, step) with the store's own size `own` on its grid.

    The browser's slider moves a value that is not one of its positions to the nearest one and
    reports it back, which restarts the run there: a calibrated store of 19,415 residents would
    silently run at 20,000. So the positions are shifted to pass through `own` (the default
    market's 20,000 keeps 2,000 .. 50,000), and the range stretched to reach it.
    """
    low, high, step = bounds
    start = own - step * max((own - low) // step, 0)
    end = start + step * max((high - start) // step, 0)
    return start, max(end, own), step


@solara.component
def Slider(
    lang: str, key: str, value: int, on_value, bounds: tuple[int, int, int], fmt: str = "{}"
) -> None:
    """A labelled slider across the whole control column, its value written next to the
    label (Vuetify's thumb label hides it except while dragging)."""
    low, high, step = bounds
    solara.HTML(
        tag="div",
        unsafe_innerHTML=(
            f"{html.escape(text.tr(lang, key))}{'：' if lang == 'zh' else ': '}"
            f'<b class="lab-value">{html.escape(fmt.format(value))}</b>'
        ),
        classes=["lab-slider-label", f"lab-{key}-label"],
    )
    with solara.Div(classes=["lab-slider", f"lab-{key}"]):
        solara.SliderInt(
            "", value=value, min=low, max=high, step=step, on_value=on_value, thumb_label=False
        )


@solara.component
def Controls(lang: str, params: solara.Reactive[dict], speed: solara.Reactive[int]) -> None:
    p = params.value
    configs = policy_configs()
    items = [(text.policy_label(n, lang, configs[n]), n) for n in policy_choices()]

    def set_param(key: str):
        def setter(value) -> None:
            if value is None or value == params.value.get(key):
                return
            params.set({**params.value, key: value})

        return setter

    _select(text.tr(lang, "policy"), items, p["policy"], set_param("policy"), "lab-policy")
    sizes = customer_bounds(DEFAULTS["n_customers"])
    Slider(lang, "customers", p["n_customers"], set_param("n_customers"), sizes, "{:,}")
    Slider(lang, "years", p["years"], set_param("years"), (1, 5, 1))
    solara.InputInt(
        text.tr(lang, "seed"), value=p["seed"], on_value=set_param("seed"), classes=["lab-seed"]
    )
    Slider(lang, "speed", speed.value, speed.set, (1, 13, 1))
    solara.HTML(
        tag="div",
        unsafe_innerHTML=html.escape(text.tr(lang, "restart_note")),
        classes=["lab-note", "lab-restart-note"],
    )


@solara.component
def CompareView(twin: Twin, lang: str, version: int) -> None:
    hist = twin.history()
    last = hist.iloc[-1]
    money = twin.chosen.market.profile.money
    if twin.t == 0:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(text.tr(lang, "week0_note")),
            classes=["lab-note", "lab-week0"],
        )
    with solara.Row(style={"flex-wrap": "wrap", "gap": "12px"}):
        d = float(last["diff_profit"])
        Card(text.tr(lang, "card_profit"), money(d, signed=True), d > 0 if d else None, "lab-dp")
        hv = float(last["diff_profit_hv"])
        pending = text.tr(lang, "hv_pending", t=horizon_value_from(twin.chosen))
        Card(
            text.tr(lang, "card_profit_hv"),
            money(hv, signed=True) if hv == hv else pending,
            (hv > 0 if hv else None) if hv == hv else None,
            "lab-dhv",
        )
        a = float(last["diff_active"])
        Card(text.tr(lang, "card_active"), _money(a, True), a > 0 if a else None, "lab-da")
        r = float(last["diff_vip_retention"])
        ok = r == r  # not NaN
        Card(
            text.tr(lang, "card_vip"),
            text.tr(lang, "pp", v=f"{100 * r:+.1f}") if ok else "–",
            (r > 0 if r else None) if ok else None,
            "lab-dv",
        )
    image, ticks = solara.use_memo(
        lambda: charts.overlay_with_ticks(hist, lang, twin.end, twin.chosen.market.profile),
        [version, lang, id(twin)],
    )
    solara.Image(image, classes=["lab-overlay"])
    # The axes in words, for screen readers (and the browser test): panel -> tick labels.
    described = "; ".join(f"{k}: {' | '.join(v)}" for k, v in ticks.items())
    solara.HTML(tag="div", unsafe_innerHTML=html.escape(described), classes=["lab-axes"])
    for key in ("defs", "hv_note"):
        solara.HTML(
            tag="div", unsafe_innerHTML=html.escape(text.tr(lang, key)), classes=["lab-note"]
        )
    scale.SizeNotes(twin, lang, float(last["diff_profit"]))


@solara.component
def MarketView(twin: Twin, lang: str, version: int) -> None:
    model = twin.chosen

    def draw():
        with twin.lock:
            places = market_view.places(model)
            flows = market_view.recent_flows(model)
            by_tier = market_view.spend_by_tier(model)
            losing, n_vips, n_losing = market_view.losing_vips(model)
        return (
            charts.market_map(model, places, flows, lang),
            charts.tier_flows(by_tier, lang, (twin.start, twin.end)),
            losing,
            n_vips,
            n_losing,
        )

    map_png, flow_png, losing, n_vips, n_losing = solara.use_memo(
        draw, [version, lang, id(twin)]
    )
    solara.Image(map_png, classes=["lab-map"])
    solara.HTML(
        tag="div", unsafe_innerHTML=html.escape(text.tr(lang, "map_note")), classes=["lab-note"]
    )
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(text.tr(lang, "flows_title")))
    solara.Image(flow_png, classes=["lab-flows"])
    solara.HTML(
        tag="div", unsafe_innerHTML=html.escape(text.tr(lang, "flows_note")), classes=["lab-note"]
    )
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(text.tr(lang, "losing_title")))
    if len(losing):
        note = text.tr(lang, "losing_note", n=n_losing, m=n_vips)
        if len(losing) < n_losing:
            note += text.tr(lang, "losing_shown", k=len(losing))
        solara.HTML(tag="div", unsafe_innerHTML=html.escape(note), classes=["lab-note"])
        solara.HTML(
            tag="div",
            unsafe_innerHTML=market_view.losing_table(losing, model, lang),
            classes=["lab-losing"],
        )
    else:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(text.tr(lang, "none_losing")),
            classes=["lab-note"],
        )
    # where the market's numbers come from, last, as every study report ends
    title, body = market_view.provenance_html(model.market, lang)
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(title))
    solara.HTML(tag="div", unsafe_innerHTML=body, classes=["lab-note", "lab-provenance"])


@solara.component
def StoryView(twin: Twin, lang: str, version: int) -> None:
    run = solara.use_reactive("chosen")
    picked = solara.use_reactive(None)
    model = twin.chosen if run.value == "chosen" else twin.baseline
    with twin.lock:
        losing, _, _ = market_view.losing_vips(model, limit=20)
        choices = story.interesting_customers(
            model, losing["customer"].tolist() if len(losing) else []
        )
    row = picked.value if picked.value is not None else choices[0]
    with twin.lock:
        s = story.story(model, int(row))
        image = charts.customer_story(model, s, lang)
    from experiments.figures import SEGMENT_LABELS

    def label(r: int) -> str:
        spend = model.pop.revenue[r, model.focal]
        cls = text.class_label(story.CLASSES[model.pop.cls[r]], lang)
        return f"#{r} · {cls} · {model.market.profile.money(spend)}"

    with solara.Row(style={"gap": "16px", "align-items": "center"}):
        _select(
            text.tr(lang, "pick"),
            [(label(r), r) for r in dict.fromkeys([row, *choices])],
            int(row),
            lambda value: picked.set(int(value)),
            "lab-customer",
        )
        runs = [text.tr(lang, "chosen"), text.tr(lang, "baseline")]
        solara.ToggleButtonsSingle(
            value=runs[0] if run.value == "chosen" else runs[1],
            values=runs,
            on_value=lambda name: run.set("chosen" if name == runs[0] else "baseline"),
        )
    seg = SEGMENT_LABELS.get(s.segment, (s.segment, s.segment))
    seg_txt = (seg[1] if lang == "zh" else seg[0]).replace("\n", " ")
    who = lambda rows: ", ".join(f"#{r}" for r in rows) or text.tr(lang, "nobody")  # noqa: E731
    lines = [
        text.tr(
            lang,
            "profile",
            cls=text.class_label(s.cls, lang),
            home=text.place_label(s.home, lang),
            work=text.place_label(s.work, lang),
            state=text.state_label(s.state, lang),
            segment=seg_txt,
        ),
        text.tr(lang, "came_via", via=text.via_label(s.via, lang)),
        text.tr(lang, "referred_by", who=who([] if s.referred_by is None else [s.referred_by])),
        text.tr(lang, "referred", who=who(s.referred[:30])),
    ]
    solara.HTML(
        tag="div",
        unsafe_innerHTML="<br>".join(html.escape(x) for x in lines),
        classes=["lab-profile"],
    )
    solara.Image(image, classes=["lab-story"])
    solara.HTML(tag="h3", unsafe_innerHTML=html.escape(text.tr(lang, "complaints")))
    if len(s.complaints):
        items = [
            text.tr(
                lang,
                "complaint_row",
                date=c["date"].date().isoformat(),
                store=text.store_label(model.market.stores[int(c["store"])], lang),
                resolved=text.tr(lang, "resolved" if c["resolved"] else "unresolved"),
            )
            for _, c in s.complaints.iterrows()
        ]
        solara.HTML(tag="ul", unsafe_innerHTML="".join(f"<li>{html.escape(i)}</li>" for i in items))
    else:
        solara.HTML(
            tag="div",
            unsafe_innerHTML=html.escape(text.tr(lang, "no_complaints")),
            classes=["lab-note"],
        )


@solara.component
def Page() -> None:
    lang = solara.use_reactive("en")
    params = solara.use_reactive(dict(DEFAULTS))
    speed = solara.use_reactive(4)
    playing = solara.use_reactive(False)
    version = solara.use_reactive(0)
    restarts = solara.use_reactive(0)
    tab = solara.use_reactive(0)
    p = params.value
    key = (p["policy"], p["n_customers"], p["years"], p["seed"], restarts.value)
    twin = solara.use_memo(
        lambda: Twin(**p, market=session_market(p["n_customers"], p["years"])), list(key)
    )
    context = solara.use_memo(_current_context, [])

    def on_new_twin():
        playing.set(False)
        version.set(0)

    solara.use_effect(on_new_twin, [id(twin)])

    def play_loop(cancel: threading.Event) -> None:
        while playing.value and not cancel.is_set() and not twin.done and _connected(context):
            twin.step(speed.value)
            version.set(twin.t)
            time.sleep(PLAY_PAUSE_SECONDS)
        if playing.value and not cancel.is_set():
            playing.set(False)

    solara.use_thread(play_loop, dependencies=[playing.value, id(twin)])

    def step_once() -> None:
        twin.step(1)
        version.set(twin.t)

    L = lang.value
    solara.Style(page_css())
    solara.Title(text.tr(L, "title"))
    with solara.Column(classes=["lab-page"], style={"padding": "12px 20px"}):
        with solara.Row(style={"align-items": "center", "justify-content": "space-between"}):
            solara.HTML(
                tag="h2", unsafe_innerHTML=html.escape(text.tr(L, "title")), classes=["lab-title"]
            )
            names = list(text.LANGS.values())
            solara.ToggleButtonsSingle(
                value=text.LANGS[lang.value],
                values=names,
                on_value=lambda name: lang.set(list(text.LANGS)[names.index(name)]),
                classes=["lab-lang"],
            )
        solara.HTML(
            tag="div", unsafe_innerHTML=html.escape(text.tr(L, "subtitle")), classes=["lab-note"]
        )
        with solara.Columns([1, 3]):
            with solara.Column():
                Controls(L, params, speed)
            with solara.Column():
                n = twin.chosen.n_ticks
                status = text.tr(L, "week", t=twin.t, n=n) + (
                    f" · {text.tr(L, 'finished')}" if twin.done else ""
                )
                with solara.Row(
                    style={"align-items": "center", "gap": "10px", "flex-wrap": "wrap"}
                ):
                    solara.HTML(
                        tag="span",
                        unsafe_innerHTML=html.escape(twin.date.date().isoformat()),
                        classes=["lab-date"],
                    )
                    solara.HTML(
                        tag="span", unsafe_innerHTML=html.escape(status), classes=["lab-week"]
                    )
                    solara.Button(
                        text.tr(L, "pause" if playing.value else "play"),
                        on_click=lambda: playing.set(not playing.value),
                        disabled=twin.done,
                        color="primary",
                        classes=["lab-play"],
                    )
                    solara.Button(
                        text.tr(L, "step"),
                        on_click=step_once,
                        disabled=twin.done or playing.value,
                        classes=["lab-step"],
                    )
                    solara.Button(
                        text.tr(L, "reset"),
                        on_click=lambda: restarts.set(restarts.value + 1),
                        classes=["lab-reset"],
                    )
                with solara.lab.Tabs(value=tab):
                    for i, name in enumerate(TABS):
                        with solara.lab.Tab(text.tr(L, name)):
                            if tab.value == i:
                                view = (CompareView, MarketView, StoryView)[i]
                                view(twin, L, version.value)
