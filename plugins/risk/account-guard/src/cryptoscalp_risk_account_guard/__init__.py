"""Account guard for cryptoscalp: loss, drawdown and margin limits with a latched kill switch.

The plugin registers the ``account-guard`` risk component and the ``cryptoscalp risk reset-kill-switch`` /
``kill-switch-status`` commands (see :mod:`.plugin`).
"""

from cryptoscalp_risk_account_guard.config import AccountGuardConfig
from cryptoscalp_risk_account_guard.guard import REASONS, AccountGuardLayer
from cryptoscalp_risk_account_guard.latch import KillSwitchLatch, LatchState

__all__ = ["REASONS", "AccountGuardConfig", "AccountGuardLayer", "KillSwitchLatch", "LatchState"]
