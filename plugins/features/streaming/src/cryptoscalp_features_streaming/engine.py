"""``StreamingFeatureEngine``: the FeatureEngine port over bar clocks and per-event microstructure.

Per batch and instrument the compiled kernels of ``cryptoscalp_speedups.micro`` run over the rows: the
activity clock (intensities, time since the last trade), the quote top or the L2 depth book (spread,
microprice, depth imbalance, multi-level OFI) and every clock's bar builder. Bars closed in the batch go
through that clock's :class:`~.bank.BarBank` in one call. Each of these is a *block* of columns with
updates at known row positions.

**Emission rule.** ``emit`` picks the trigger: ``trade`` (default: one row per good trade), ``quote``,
``book`` (one row per complete book message, i.e. per row flagged LAST), ``any`` (every good event; for
book deltas only message ends), or a clock name (one row per event at which that clock closed one or
more bars). A row's ``ts`` is the ``ts_recv`` of its trigger event and its values are, for every block,
the latest update at or before that event in the stream: event features of events up to it, bar
features of bars closed at or before it (a time bar closes at the first event after its end and does not
contain that event; a tick, volume or event bar contains the event that completes it). So a row depends
only on events with ``ts_recv <= ts``, and feeding later events never changes it.

**Bad input.** Rows failing ``cryptoscalp_core.domain.events.valid_rows`` are dropped and counted by
rule; empty time bars (a gap without any trade: zero volume) and infinite indicator outputs (then
NaN) are counted too. :attr:`bad_inputs` is the sum, :attr:`counters` the detail.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np
import numpy.typing as npt
from cryptoscalp_speedups.micro.rows import RULES, assemble, time_features

from cryptoscalp_core.domain.events import DTYPES, EventKind
from cryptoscalp_core.domain.instrument import Instrument
from cryptoscalp_core.ports.features import FeatureRows
from cryptoscalp_core.ports.market_feed import EventBatch
from cryptoscalp_features_streaming.catalogue import FeatureSpec, build_catalogue, event_features, select
from cryptoscalp_features_streaming.checks import check_batch
from cryptoscalp_features_streaming.config import StreamingFeaturesConfig
from cryptoscalp_features_streaming.instrument import InstrumentState
from cryptoscalp_features_streaming.normalise import Normaliser
from cryptoscalp_features_streaming.xasset import CrossAsset, XBlock

I64 = npt.NDArray[np.int64]
F64 = npt.NDArray[np.float64]
Block = tuple[npt.NDArray[np.intp], I64, F64]  # (target columns, update positions, values with selected columns)


class StreamingFeatureEngine:
    def __init__(self, config: StreamingFeaturesConfig, instruments: Sequence[Instrument | str] = ()) -> None:
        """``instruments``: the profile's, in order (an event's ``instrument`` indexes them); only the
        cross-asset features use them."""
        self.config = config
        self.instruments = [i.id if isinstance(i, Instrument) else str(i) for i in instruments]
        specs = select(config, build_catalogue(config, self.instruments))
        self.specs: tuple[FeatureSpec, ...] = tuple(specs)
        self._names = tuple(s.name for s in specs)
        index = {s.name: j for j, s in enumerate(specs)}
        # Event sub-blocks: kernel column order from the catalogue, then the selected ones.
        ev = event_features(config)
        n_imb, n_ofi = len(config.setting("imbalance_levels")), len(config.setting("ofi_levels"))
        n_hl = len(config.setting("half_lives_s"))
        parts = {"quote": ev[:4], "book": ev[4:6 + n_imb + n_ofi], "activity": ev[6 + n_imb + n_ofi:
                                                                              6 + n_imb + n_ofi + 2 * n_hl + 1],
                 "time": ev[6 + n_imb + n_ofi + 2 * n_hl + 1:]}
        self._sub: dict[str, tuple[npt.NDArray[np.intp], npt.NDArray[np.intp]]] = {}
        for part, fs in parts.items():
            src = np.array([k for k, f in enumerate(fs) if f.name in index], dtype=np.intp)
            dst = np.array([index[fs[k].name] for k in src], dtype=np.intp)
            self._sub[part] = (src, dst)
        self._whole = {part for part, fs in parts.items() if len(self._sub[part][0]) == len(fs)}
        self._clocks: dict[str, list[FeatureSpec]] = {}
        for name in config.setting("clocks"):
            self._clocks[str(name)] = [s for s in specs if s.clock == name and s.family != "xasset"]
        self._clock_cols = {c: np.array([index[s.name] for s in fs], dtype=np.intp) for c, fs in self._clocks.items()}
        self._levels = ([int(n) for n in config.setting("imbalance_levels")],
                        [int(n) for n in config.setting("ofi_levels")])
        self._half_lives = [float(h) for h in config.setting("half_lives_s")]
        self._n_sums = 3 + n_ofi
        self._ofi_src = 2 + n_imb  # first OFI column of the depth book's features
        self._norm = Normaliser(config.normalise, self._names) if config.normalise is not None else None
        self._pos1 = np.zeros(1, dtype=np.intp)
        self._pos1.flags.writeable = False
        xspecs = [s for s in specs if s.family == "xasset"]
        self._xasset = CrossAsset(xspecs, index, self.instruments, config.max_fill) if xspecs else None
        self.reset()

    # -- port -------------------------------------------------------------------------------------------
    @property
    def names(self) -> tuple[str, ...]:
        return self._names

    @property
    def bad_inputs(self) -> int:
        return sum(self.counters.values())

    @property
    def counters(self) -> dict[str, int]:
        """Dropped rows by rule, empty bars and infinite outputs, since the last :meth:`reset`."""
        out = dict(self._dropped)
        empty = sum(b.gaps for st in self._states.values() for b in st.builders.values())
        inf = sum(b.inf_outputs for st in self._states.values() for b in st.banks.values())
        if empty:
            out["empty_bar"] = empty
        if inf:
            out["inf_output"] = inf
        return out

    @property
    def backends(self) -> dict[str, str]:
        """Which implementation each TA indicator runs on (``compiled`` or ``python``)."""
        out: dict[str, str] = {}
        for st in self._states.values():
            for bank in st.banks.values():
                out.update(bank.backends)
        return out

    def reset(self) -> None:
        self._states: dict[int, InstrumentState] = {}
        self._dropped: dict[str, int] = {}
        self._last_ts: int | None = None
        if self._norm is not None:
            self._norm.reset()
        if self._xasset is not None:
            self._xasset.reset()

    def update(self, batch: EventBatch) -> FeatureRows:
        rows = batch.rows
        kind = batch.kind
        if rows.dtype != DTYPES[kind]:
            raise TypeError(f"{kind.name} batch with dtype {rows.dtype}")
        width = len(self._names)
        if len(rows) == 0:
            return FeatureRows(np.empty(0, np.int64), np.empty(0, np.uint16), np.empty((0, width)))
        mask, dropped = check_batch(kind, rows, self._last_ts)
        if mask is not None:
            for rule, n in zip(RULES, dropped.tolist(), strict=True):
                if n:
                    self._dropped[rule] = self._dropped.get(rule, 0) + n
            rows = rows[mask]
            if len(rows) == 0:
                return FeatureRows(np.empty(0, np.int64), np.empty(0, np.uint16), np.empty((0, width)))
        ts_all = rows["ts_recv"]
        self._last_ts = int(ts_all[-1])
        inst = rows["instrument"]
        groups: list[tuple[int, npt.NDArray[np.intp] | None]]
        if inst[0] == inst[-1] and (len(rows) < 3 or (inst == inst[0]).all()):
            groups = [(int(inst[0]), None)]
        else:
            groups = [(int(k), np.flatnonzero(inst == k)) for k in np.unique(inst)]
        xblocks: dict[int, list[XBlock]] = {}
        if self._xasset is not None:
            price = np.ascontiguousarray(rows["price"], dtype=np.float64) if kind is EventKind.TRADE else None
            xblocks = self._xasset.update(np.ascontiguousarray(ts_all), inst.astype(np.intp), price)
            seen = {key for key, _ in groups}
            for key, blocks in xblocks.items():  # instruments without a row here still carry the update
                if key not in seen:
                    st = self._state(key)
                    for cols, _, vals in blocks:
                        st.last[cols] = vals[-1]
        ts_out: list[I64] = []
        pos_out: list[npt.NDArray[np.intp]] = []
        val_out: list[F64] = []
        for key, where in groups:
            part = rows if where is None else rows[where]
            extra: list[Block] = []
            for cols, at, vals in xblocks.get(key, ()):
                # a global update position -> the first of this instrument's rows at or after it
                local = at if where is None else np.searchsorted(where, at, side="left").astype(np.int64)
                extra.append((cols, local, vals))
            emit, values = self._instrument(key, kind, part, extra)
            if len(emit):
                ts_out.append(np.ascontiguousarray(part["ts_recv"][emit]))
                pos_out.append(emit if where is None else where[emit])
                val_out.append(values)
        if not ts_out:
            return FeatureRows(np.empty(0, np.int64), np.empty(0, np.uint16), np.empty((0, width)))
        positions = np.concatenate(pos_out) if len(pos_out) > 1 else pos_out[0]
        ts = np.concatenate(ts_out) if len(ts_out) > 1 else ts_out[0]
        values = np.concatenate(val_out) if len(val_out) > 1 else val_out[0]
        instrument = rows["instrument"][positions].astype(np.uint16)
        if len(pos_out) > 1:
            order = np.argsort(positions, kind="stable")
            ts, values, instrument = ts[order], values[order], instrument[order]
        return FeatureRows(ts, instrument, values)

    # -- one instrument's rows of one kind --------------------------------------------------------------
    def _state(self, key: int) -> InstrumentState:
        st = self._states.get(key)
        if st is None:
            st = self._states[key] = InstrumentState(self._clocks, self._levels, self._half_lives,
                                                     len(self._names), self.config.max_fill)
        return st

    def _instrument(self, key: int, kind: EventKind, rows: npt.NDArray[np.void],
                    extra: list[Block]) -> tuple[npt.NDArray[np.intp], F64]:
        st = self._state(key)
        n = len(rows)
        ts = np.ascontiguousarray(rows["ts_recv"])
        blocks: list[Block] = extra
        # row positions, as update positions and as the trigger; one shared read-only array per event
        pos = self._pos1 if n == 1 else np.arange(n, dtype=np.intp)
        code = np.zeros(n, dtype=np.int8)
        closes: dict[str, I64] = {}
        trigger: npt.NDArray[np.intp] | None = None
        if kind is EventKind.TRADE:
            code[:] = 1
            price = np.ascontiguousarray(rows["price"], dtype=np.float64)
            qty = np.ascontiguousarray(rows["qty"], dtype=np.float64)
            side = np.ascontiguousarray(rows["side"], dtype=np.int8)
            for k, idx, bars in st.clocks.feed_trades(ts, price, qty, side):
                self._bars(st, st.clock_names[k], idx, bars, blocks, closes)
            if self.config.emit in ("trade", "any"):
                trigger = pos
        else:
            sums_ts, sums, counts = ts, None, np.ones(n, dtype=np.uint8)
            if kind is EventKind.QUOTE:
                code[:] = 2
                cols = [np.ascontiguousarray(rows[c], dtype=np.float64)
                        for c in ("bid_price", "bid_qty", "ask_price", "ask_qty")]
                q = st.quote.run(*cols)
                self._event_block("quote", pos, q, blocks)
                sums = np.full((n, self._n_sums), np.nan)
                sums[:, 0], sums[:, 1], sums[:, 2] = q[:, 0], np.isfinite(q[:, 0]), q[:, 3]
                at = pos
                if self.config.emit in ("quote", "any"):
                    trigger = pos
            elif kind is EventKind.BOOK_DELTA:
                ends, feats = st.book.apply(np.ascontiguousarray(rows["side"], dtype=np.int8),
                                            np.ascontiguousarray(rows["flags"], dtype=np.uint8),
                                            np.ascontiguousarray(rows["price_ticks"], dtype=np.int64),
                                            np.ascontiguousarray(rows["qty"], dtype=np.float64))
                code[ends] = 2
                self._event_block("book", ends, feats, blocks)
                sums = np.full((len(ends), self._n_sums), np.nan)
                sums[:, 3:] = feats[:, self._ofi_src:]
                sums_ts, counts, at = np.ascontiguousarray(ts[ends]), np.ones(len(ends), dtype=np.uint8), ends
                if self.config.emit in ("book", "any"):
                    trigger = np.ascontiguousarray(ends, dtype=np.intp)
            else:  # MARK and any other kind: a clock tick for time bars and the event clock
                sums = np.full((n, self._n_sums), np.nan)
                at = pos
                if self.config.emit == "any":
                    trigger = pos
            for k, idx, bars in st.clocks.feed_sums(sums_ts, sums, counts):
                self._bars(st, st.clock_names[k], at[idx], bars, blocks, closes)
        act = st.activity.run(ts, code)
        self._event_block("activity", pos, act, blocks)
        emit_clock = closes.get(self.config.emit)
        if emit_clock is not None:
            trigger = np.ascontiguousarray(np.unique(emit_clock), dtype=np.intp)
        if trigger is None or len(trigger) == 0:
            for target, _, latest in blocks:
                st.last[target] = latest[-1]
            return np.empty(0, dtype=np.intp), np.empty((0, len(self._names)))
        values = assemble(st.last, blocks, trigger)
        src, dst = self._sub["time"]
        if len(dst):
            values[:, dst] = time_features(ts[trigger])[:, src]
        if self._norm is not None:
            values = self._norm.apply(key, values)
        return trigger, values

    def _event_block(self, part: str, idx: I64, vals: F64, blocks: list[Block]) -> None:
        src, dst = self._sub[part]
        if len(dst) and len(idx):
            # every kernel column selected (the usual case): no copy
            sel = vals if part in self._whole else np.ascontiguousarray(vals[:, src])
            blocks.append((dst, idx, sel))

    def _bars(self, st: InstrumentState, name: str, idx: I64, bars: F64, blocks: list[Block],
              closes: dict[str, I64]) -> None:
        if len(idx) == 0:
            return
        closes[name] = idx
        cols = self._clock_cols[name]
        if len(cols):
            blocks.append((cols, idx, st.banks[name].compute(bars)))

    def describe(self) -> dict[str, Any]:
        return {"features": len(self._names), "clocks": list(self._clocks), "emit": self.config.emit,
                "normalise": None if self._norm is None else self.config.normalise,
                "xasset": None if self._xasset is None else self.config.xasset}


def feature_count(config: StreamingFeaturesConfig, instruments: Sequence[str] = ()) -> int:
    return len(select(config, build_catalogue(config, instruments)))


