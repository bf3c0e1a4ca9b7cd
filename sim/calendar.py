"""Time: ticks, dates, years and the festival seasonality of purchase occasions."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np

FESTIVALS: tuple[tuple[str, int, float, float], ...] = (
    # (name, day of year of the peak, relative amplitude, width in days). Jewellery sales peak
    # around Spring Festival, May Day, Qixi, National Day, Double 11 and the year end (when the
    # VIP thank-you galas of SEEDS 000 take place). Dates are approximate fixed days.
    ("spring_festival", 35, 1.6, 9.0),
    ("may_day", 121, 0.7, 3.0),
    ("qixi", 228, 0.5, 3.0),
    ("national_day", 275, 1.1, 4.0),
    ("double_eleven", 315, 0.6, 2.5),
    ("year_end", 355, 0.7, 6.0),
)


@dataclass(frozen=True)
class Calendar:
    """Maps ticks to dates and years and gives the seasonal occasion clock.

    The occasion clock `clock_end[t]` is cumulative seasonal time in years at the end of tick
    `t`: a customer with yearly rate r has occasions where r x clock crosses unit-exponential
    steps (time-rescaled Poisson process), so seasonality costs nothing per customer.
    """

    start: dt.date
    tick_days: int
    n_ticks: int
    festival_amplitude: float = 1.0

    @property
    def ticks_per_year(self) -> int:
        return 365 // self.tick_days

    @property
    def dt_years(self) -> float:
        return self.tick_days / 365.0

    def date(self, tick: int) -> dt.date:
        return self.start + dt.timedelta(days=int(tick) * self.tick_days)

    def dates(self) -> np.ndarray:
        base = np.datetime64(self.start.isoformat(), "D")
        return base + np.arange(self.n_ticks) * self.tick_days

    def year_of(self, tick: int | np.ndarray) -> int | np.ndarray:
        return np.asarray(tick) // self.ticks_per_year

    def is_year_end(self, tick: int) -> bool:
        return (tick + 1) % self.ticks_per_year == 0

    def seasonality(self) -> np.ndarray:
        """Mean occasion intensity per tick, relative to the yearly average (mean 1 over a year)."""
        days = np.arange(365)
        doy = (self.start.timetuple().tm_yday - 1 + days) % 365
        s = np.ones(365)
        for _, peak, amp, width in FESTIVALS:
            d = np.minimum(np.abs(doy - peak), 365 - np.abs(doy - peak))
            s += self.festival_amplitude * amp * np.exp(-0.5 * (d / width) ** 2)
        s /= s.mean()
        n_days = self.n_ticks * self.tick_days
        daily = np.resize(s, n_days)
        return daily.reshape(self.n_ticks, self.tick_days).mean(axis=1)

    def clock_end(self) -> np.ndarray:
        return np.cumsum(self.seasonality() * self.dt_years)
