"""Your own store policy in one small file: a thank-you call after each purchase."""

from sim.policies import BudgetedPolicy, register
from sim.policies.budget import check_number
from sim.policies.targeting import raise_attachment


@register
class ThankYouCall(BudgetedPolicy):
    """Staff call each buyer to thank them (SEEDS 004: keep in touch with old customers cheaply).

    Each call costs ``cost_per_call`` yuan and raises the buyer's satisfaction with the store
    by ``lift``. At most ``yearly_budget`` yuan a year: once it is spent, the calls stop.
    """

    name = "thank_you_call"
    classifier = {"source": "SEEDS 004", "targets": "every buyer", "cost": "per call, yearly"}
    budget_period = "year"

    def __init__(self, cost_per_call: float = 3.0, lift: float = 0.1,
                 yearly_budget: float = 5000.0) -> None:
        super().__init__()
        self.cost_per_call = check_number(self.name, "cost_per_call", cost_per_call, low=0)
        self.lift = check_number(self.name, "lift", lift, low=0)
        self.yearly_budget = check_number(self.name, "yearly_budget", yearly_budget, low=0)

    def on_purchases(self, t, rows, amounts) -> None:
        n = self.affordable(t, self.cost_per_call, rows.size)  # calls the budget still pays
        self.spend(t, n * self.cost_per_call)
        raise_attachment(self.model, rows[:n], self.store, satisfaction=self.lift)
