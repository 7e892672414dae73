"""The pydantic model of a profile's top level. Each component's own settings are validated later by
that component's config model (see :mod:`cryptoscalp_core.profile.resolve`)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any, Literal

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, field_validator, model_validator

from cryptoscalp_core.domain.instrument import Instrument, parse_instrument_id
from cryptoscalp_core.profile.errors import redact

Mode = Literal["backtest", "paper", "live"]

# Sections that may omit ``use:``; everything else must say which component it wants.
DEFAULT_USE: dict[str, str] = {
    "store": "sqlalchemy",
    "cache": "memory",
    "bus": "memory",
    "secrets": "env",
}
SINGLE_SECTIONS = ("feed", "features", "model", "executor", "store", "cache", "bus", "clock", "secrets")
LIST_SECTIONS = ("risk", "diagnostics")


def _check_instrument_id(value: str) -> str:
    parse_instrument_id(value)
    return value


InstrumentId = Annotated[str, AfterValidator(_check_instrument_id)]


class ComponentSection(BaseModel):
    """``{use: NAME, ...settings}``: the settings are everything but ``use``."""

    model_config = ConfigDict(extra="allow", frozen=True)

    use: str = Field(min_length=1)

    @property
    def settings(self) -> dict[str, Any]:
        return dict(self.model_extra or {})

    def __repr_args__(self) -> Any:
        # Settings may hold API keys substituted from the environment: never show them.
        yield "use", self.use
        yield from redact(self.settings).items()

    def redacted(self) -> dict[str, Any]:
        """``{use, **settings}`` with secret-like values masked: safe for logs, reports and digests."""
        return {"use": self.use, **redact(self.settings)}


class InstrumentSpec(BaseModel):
    """An instrument given inline, for venues whose plugin is not installed or for synthetic data."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    id: InstrumentId = Field(description="`venue:SYMBOL`, e.g. `binance-usdm:BTCUSDT`.")
    tick_size: Decimal = Field(gt=0, description="Price grid step.")
    lot_size: Decimal = Field(gt=0, description="Quantity grid step.")
    min_notional: Decimal = Field(Decimal(0), ge=0, description="Smallest order notional the venue accepts.")
    min_qty: Decimal = Field(Decimal(0), ge=0, description="Smallest order quantity the venue accepts.")
    contract_multiplier: Decimal = Field(Decimal(1), gt=0, description="Base units per unit of quantity "
                                         "(1 for linear perpetuals, ctVal on OKX).")
    maker_fee: Decimal = Field(Decimal(0), description="Fraction of notional; negative for a rebate.")
    taker_fee: Decimal = Field(Decimal(0), description="Fraction of notional.")
    base: str = Field("", description="Base asset, informational.")
    quote: str = Field("", description="Quote (settlement) asset, informational.")

    def to_instrument(self) -> Instrument:
        venue, symbol = parse_instrument_id(self.id)
        fields = self.model_dump(exclude={"id"})
        return Instrument(venue=venue, symbol=symbol, **fields)


class TradingSettings(BaseModel):
    """How the engine turns a model's signal into orders (the ``trading:`` section)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    max_position: Decimal = Field(Decimal("0.01"), gt=0, description="Position for a signal of 1, in the "
                                  "instrument's quantity unit (same for every instrument).")
    order_type: Literal["market", "limit", "post_only"] = Field(
        "market", description="market: cross at once; limit: rest at the touch (GTC); post_only: rest, never take.")
    limit_offset_ticks: int = Field(0, ge=0, description="For limit/post_only: ticks behind the touch.")
    min_trade_fraction: float = Field(0.0, ge=0, le=1, description="Ignore target changes smaller than this "
                                      "fraction of max_position.")
    equity_sample_ms: int = Field(1000, gt=0, description="Spacing of equity-curve samples in the results.")
    run_name: str = Field("", description="Label stored with the run.")


class LabelSettings(BaseModel):
    """What a model learns to predict (see :mod:`cryptoscalp_core.research.labels`)."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    kind: Literal["forward_return", "direction", "triple_barrier"] = Field(
        "direction", description="forward_return: the return itself; direction: -1/0/+1 with a fee dead band; "
        "triple_barrier: first of take-profit / stop-loss / time.")
    horizon_ms: int = Field(5000, gt=0, description="Forward horizon (the vertical barrier for triple_barrier).")
    fee_rate: float = Field(0.0005, ge=0, description="Taker fee as a fraction; the direction dead band is "
                            "two of them plus extra_band.")
    extra_band: float = Field(0.0, ge=0, description="Added to the dead band (e.g. a spread).")
    take_profit: float = Field(0.002, gt=0, description="triple_barrier: relative take-profit.")
    stop_loss: float = Field(0.002, gt=0, description="triple_barrier: relative stop-loss.")


class TrainingSettings(BaseModel):
    """``cryptoscalp train``: labels, walk-forward evaluation and where the model is registered."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    label: LabelSettings = Field(LabelSettings(), description="What is predicted (`training.label` below).")
    target: Literal["label", "up", "class"] = Field(
        "label", description="The y the model family expects: the label itself (regressors, target-position "
        "models), `up` = 1 if the label is positive else 0 (binary classifiers), `class` = label + 1 (3 classes).")
    folds: int = Field(4, ge=1, description="Walk-forward folds for the out-of-sample metrics.")
    embargo_ms: int = Field(0, ge=0, description="Embargo after each test period (purging is always on).")
    mode: Literal["expanding", "rolling"] = Field("expanding", description="Walk-forward training window.")
    register_as: str = Field("", description="Registry name; empty: the profile's name.")
    artifacts: str | None = Field(None, description="Artifact root; default `models/` beside a SQLite store.")
    backtest: bool = Field(True, description="Run a net-of-fees backtest of the trained model afterwards.")


class Profile(BaseModel):
    """A deployment: mode, instruments, and for each port the component to ``use`` with its settings."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: str = ""
    description: str = ""
    mode: Mode
    instruments: list[InstrumentId | InstrumentSpec] = Field(min_length=1)
    feed: ComponentSection | None = None
    features: ComponentSection | None = None
    model: ComponentSection | None = None
    risk: list[ComponentSection] = Field(default_factory=list)
    executor: ComponentSection | None = None
    diagnostics: list[ComponentSection] = Field(default_factory=list)
    store: ComponentSection = ComponentSection(use="sqlalchemy")
    cache: ComponentSection = ComponentSection(use="memory")
    bus: ComponentSection = ComponentSection(use="memory")
    clock: ComponentSection | None = None
    secrets: ComponentSection = ComponentSection(use="env")
    trading: TradingSettings = TradingSettings()
    training: TrainingSettings = TrainingSettings()

    @model_validator(mode="before")
    @classmethod
    def _default_use(cls, data: Any) -> Any:
        if isinstance(data, dict):
            data = dict(data)
            for section, use in DEFAULT_USE.items():
                value = data.get(section)
                if isinstance(value, dict) and "use" not in value:
                    data[section] = {"use": use, **value}
        return data

    @field_validator("instruments")
    @classmethod
    def _instrument_ids(cls, value: list[str | InstrumentSpec]) -> list[str | InstrumentSpec]:
        seen: set[str] = set()
        for item in value:
            ident = item if isinstance(item, str) else item.id
            if ident in seen:
                raise ValueError(f"instrument {ident} is listed twice")
            seen.add(ident)
        return value

    @property
    def clock_section(self) -> ComponentSection:
        """The clock to use: the profile's, or simulated time for backtests and wall-clock otherwise."""
        if self.clock is not None:
            return self.clock
        return ComponentSection(use="simulated" if self.mode == "backtest" else "live")

    def redacted(self) -> dict[str, Any]:
        """The whole profile as plain data with secret-like values masked (for run records and reports)."""
        result: dict[str, Any] = redact(self.model_dump(mode="json"))
        return result

    def instrument_ids(self) -> list[str]:
        return [item if isinstance(item, str) else item.id for item in self.instruments]
