"""L2 order book kernel: integer price ticks, float64 quantities (the units of ``BOOK_DELTA_DTYPE``).

Sides are ``1`` (bids, ``Side.BUY``) and ``-1`` (asks, ``Side.SELL``); any other side is a ``ValueError``
in the methods that take one. Prices are ticks of the instrument's tick size (positive int64);
quantities are float64 in the instrument's quantity unit, ``0`` deletes a level. Nothing here is thread
safe: one book belongs to one thread.
"""

from typing import Final

import numpy as np
import numpy.typing as npt

NO_BID: Final[int]  #: ``best_bid()`` of an empty bid side: -2**63 (below every price, so comparisons stay valid)
NO_ASK: Final[int]  #: ``best_ask()`` of an empty ask side: 2**63 - 1
DEFAULT_WINDOW: Final[int]  #: ticks kept in the dense window of each side (16384)
BUY: Final[int]
SELL: Final[int]
SNAPSHOT: Final[int]  #: ``BookFlag.SNAPSHOT``
LAST: Final[int]  #: ``BookFlag.LAST``
#: A copy of ``cryptoscalp_core.domain.events.BOOK_DELTA_DTYPE`` (this package does not import the core).
BOOK_DELTA_DTYPE: Final[np.dtype[np.void]]
#: Top of book after one delta: ``best_bid``/``best_ask`` (ticks, NO_BID/NO_ASK when empty), the
#: quantities there (0 when empty) and ``imbalance`` over the requested levels (NaN when both empty).
TOP_DTYPE: Final[np.dtype[np.void]]

class L2Book:
    """One instrument's L2 book.

    Each side keeps ``window`` ticks around its best level in a dense array with an occupancy bitmap
    (the window follows the best); worse levels go to an ordered map. The window size changes speed,
    never results.

    Counters (cumulative, never reset by :meth:`clear`):

    * ``gaps``: messages of :meth:`apply_deltas` whose sequence does not continue the previous one
      (see :meth:`apply_deltas`);
    * ``crossed_count``: message ends (rows flagged ``LAST``) after which the book was crossed;
    * ``rejected``: rows of :meth:`apply_row` / :meth:`apply_deltas` / :meth:`apply_columns` dropped as
      malformed (side not ±1, price <= 0, quantity negative or not finite);
    * ``snapshots``: snapshot runs started.
    """

    last_update_id: int  #: ``last_seq`` of the last sequenced row applied; -1: none yet (or after clear())
    gaps: int
    crossed_count: int
    rejected: int
    snapshots: int

    def __init__(self, window: int = 16384) -> None:
        """``window``: ticks per side held densely (rounded up to a multiple of 64; 64..2**26), else
        ``ValueError``. Memory is about ``9 * window`` bytes per side (twice that once a snapshot has
        replaced a side, whose previous levels are kept for :meth:`apply_row`)."""

    # -- updates -------------------------------------------------------------------------------------
    def apply(self, side: int, price_ticks: int, qty: float) -> float:
        """Set the level to ``qty`` (0 deletes it); return the quantity it had. Ends a running snapshot
        run like any non-snapshot row. ``ValueError`` for a bad side, price <= 0, or a negative or
        non-finite quantity (the book is unchanged)."""

    def apply_row(self, side: int, price_ticks: int, qty: float, flags: int = 0) -> float:
        """One feed row with ``BookFlag`` bits, with the snapshot rule of :meth:`apply_deltas`; return
        the level's previous quantity. For a snapshot row that is the quantity *before the snapshot* (so
        a queue model sees the real change, not "cleared, then refilled"). A malformed row is skipped,
        counted in ``rejected`` and 0.0 returned, as in :meth:`apply_deltas`."""

    def apply_deltas(self, rows: npt.NDArray[np.void]) -> None:
        """Apply ``BOOK_DELTA_DTYPE`` rows in order (``TypeError`` for another dtype). Rows of several
        instruments are not told apart: pass one instrument's rows.

        Snapshots (the rule of the simulated venue): a run of consecutive ``SNAPSHOT`` rows is one
        snapshot, ended by a row flagged ``SNAPSHOT | LAST`` or by a row without ``SNAPSHOT``; the first
        row of each side inside the run clears that side first. A venue snapshot names both sides, so
        it replaces the whole book; a one-sided snapshot leaves the other side alone. The run may span
        several calls.

        Sequence (rows with ``last_seq >= 0``; rows with ``last_seq < 0`` are not checked): a snapshot
        row sets ``last_update_id``. Rows with the ``last_seq`` of the last message belong to it. Any
        other row starts a message, which continues the sequence when ``prev_seq == last_update_id``
        (Binance ``pu``, OKX ``prevSeqId``), or, right after a snapshot, when it straddles it
        (``first_seq <= last_update_id + 1 and last_seq >= last_update_id``: Binance's rule), or, for a
        venue without previous ids (``prev_seq < 0``), when ``first_seq == last_update_id + 1``;
        otherwise ``gaps`` is incremented. The rows are applied either way: the caller decides to
        resynchronise (a gap means the book can no longer be trusted).

        Malformed rows are skipped and counted in ``rejected``. After each ``LAST`` row a crossed book
        is counted in ``crossed_count`` (the venue says the book is consistent there)."""

    def apply_deltas_top(self, rows: npt.NDArray[np.void], levels: int = 5,
                         out: npt.NDArray[np.void] | None = None) -> npt.NDArray[np.void]:
        """:meth:`apply_deltas`, recording after every row the top of book as one ``TOP_DTYPE`` row
        (imbalance over ``levels`` levels, >= 1). ``out``: a contiguous ``TOP_DTYPE`` array of at least
        ``len(rows)`` rows to write into (its first ``len(rows)`` rows are returned); ``None``: a new
        array."""

    def apply_columns(self, side: npt.ArrayLike, price_ticks: npt.ArrayLike, qty: npt.ArrayLike,
                      flags: npt.ArrayLike) -> None:
        """:meth:`apply_deltas` for column arrays of equal length (``ValueError`` otherwise), without
        sequence checks (there are no sequence columns)."""

    def clear(self) -> None:
        """Empty both sides and forget the snapshot run and the sequence (``last_update_id = -1``).
        Counters are kept."""

    def clear_side(self, side: int) -> None:
        """Empty one side."""

    # -- queries -------------------------------------------------------------------------------------
    def best_bid(self) -> int:
        """Best bid in ticks, :data:`NO_BID` when there is no bid."""

    def best_ask(self) -> int:
        """Best ask in ticks, :data:`NO_ASK` when there is no ask."""

    def best_bid_qty(self) -> float:
        """Quantity at the best bid, 0.0 when there is none."""

    def best_ask_qty(self) -> float:
        """Quantity at the best ask, 0.0 when there is none."""

    def n_levels(self, side: int) -> int:
        """Number of levels on a side."""

    def qty_at(self, side: int, price_ticks: int) -> float:
        """Quantity at a level, 0.0 when there is none."""

    def depth(self, side: int, n: int = -1) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The best ``n`` levels of a side (all when ``n < 0``), best first: ``(prices, quantities)``."""

    def depth_through(self, side: int, price_ticks: int) -> tuple[npt.NDArray[np.int64], npt.NDArray[np.float64]]:
        """The levels of a side from the best down to ``price_ticks`` inclusive (bids: prices >= it,
        asks: prices <= it), best first."""

    def imbalance(self, n: int = 5) -> float:
        """``(B - A) / (B + A)`` where ``B``/``A`` are the bid/ask quantities summed over levels 1..n
        (fewer when a side has fewer), best first; NaN when both sides are empty, ``ValueError`` for
        ``n < 1``."""

    def microprice(self) -> float:
        """``(best_bid * ask_qty + best_ask * bid_qty) / (bid_qty + ask_qty)`` in ticks (the price leans
        towards the thinner side); NaN unless both sides have a level."""

    def vwap(self, side: int, qty: float) -> tuple[float, float]:
        """Walk ``side``'s levels best first (bids: what a seller of ``qty`` gets; asks: what a buyer
        pays), taking ``min(level, left)`` of each: ``(average price in ticks, quantity left unfilled)``.
        The average is NaN when the side is empty. ``ValueError`` unless ``qty`` is positive and finite."""

    def crossed(self) -> bool:
        """Both sides have a level and best bid >= best ask."""

    @property
    def window(self) -> int:
        """Ticks per side held densely."""

    # -- OKX checksum --------------------------------------------------------------------------------
    def checksum_string(self, tick_size: str, qty_decimals: int, levels: int = 25) -> str:
        """OKX's check string: up to ``levels`` bids and asks interleaved ``bid1:ask1:bid2:ask2:...``
        (the longer side continues alone), each ``price:size``.

        OKX hashes its own decimal strings. They are rebuilt here from the book's numbers: the price is
        ``ticks * tick_size`` written exactly (``tick_size`` a decimal string such as ``"0.1"``), the size
        is written with ``qty_decimals`` decimals (the instrument's lot size decimals); trailing zeros
        and a trailing point are dropped from both, which is how OKX writes them (``"8477"``,
        ``"8476.98"``, ``"0.00002071"``). A venue string with trailing zeros would not be reproduced.
        ``ValueError`` for a tick size that is not a positive decimal or ``qty_decimals`` outside 0..18."""

    def okx_checksum(self, tick_size: str, qty_decimals: int, levels: int = 25) -> int:
        """CRC32 (zlib/IEEE) of :meth:`checksum_string` as a signed 32-bit integer, as OKX sends it."""
