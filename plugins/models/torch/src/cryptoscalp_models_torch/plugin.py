"""Hook implementations of the ``models-torch`` plugin.

Registering the components imports only the configs: torch (some 300 MB of memory and a second of
start-up) is imported by a factory, when a profile uses one of these models.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from cryptoscalp_core import hookimpl
from cryptoscalp_core.registry import ComponentKind, ComponentRegistry
from cryptoscalp_models_torch.columns import HasNames
from cryptoscalp_models_torch.config import (
    BookTransformerConfig,
    EnsembleConfig,
    GnnConfig,
    LstmConfig,
    MlpConfig,
    TcnConfig,
    TransformerConfig,
)

if TYPE_CHECKING:
    from cryptoscalp_models_torch.ensemble import EnsembleModel
    from cryptoscalp_models_torch.families import (
        BookTransformerModel,
        GnnModel,
        LstmModel,
        MlpModel,
        TcnModel,
        TransformerModel,
    )


def _names(features: HasNames | None) -> tuple[str, ...] | None:
    return tuple(features.names) if features is not None else None


def make_lstm(config: LstmConfig) -> LstmModel:
    """LSTM over the last seq_len feature rows (streaming predict); tanh position or class probabilities."""
    from cryptoscalp_models_torch.families import LstmModel

    return LstmModel(config)


def make_tcn(config: TcnConfig) -> TcnModel:
    """Temporal CNN of dilated causal convolutions over the last rows (streaming predict)."""
    from cryptoscalp_models_torch.families import TcnModel

    return TcnModel(config)


def make_transformer(config: TransformerConfig) -> TransformerModel:
    """Transformer over bars of several timeframes pooled from the last rows, with timeframe embeddings."""
    from cryptoscalp_models_torch.families import TransformerModel

    return TransformerModel(config)


def make_mlp(config: MlpConfig) -> MlpModel:
    """Feed-forward network over the last seq_len rows: small and fast (the distillation student)."""
    from cryptoscalp_models_torch.families import MlpModel

    return MlpModel(config)


def make_book_transformer(config: BookTransformerConfig, *, features: HasNames | None = None) -> BookTransformerModel:
    """Transformer whose tokens are the order book's depth levels (columns *.depth_bid_N / *.depth_ask_N)."""
    from cryptoscalp_models_torch.families import BookTransformerModel

    return BookTransformerModel(config, _names(features))


def make_gnn(config: GnnConfig, *, features: HasNames | None = None) -> GnnModel:
    """Graph network over instruments, edges from the rolling correlation of their returns."""
    from cryptoscalp_models_torch.families import GnnModel

    return GnnModel(config, _names(features))


def make_ensemble(config: EnsembleConfig, *, features: HasNames | None = None) -> EnsembleModel:
    """Weighted mean of torch member models (for example an LSTM and a TCN)."""
    from cryptoscalp_models_torch.ensemble import EnsembleModel

    return EnsembleModel(config, _names(features))


@hookimpl
def cryptoscalp_register_components(registry: ComponentRegistry) -> None:
    registry.add(ComponentKind.MODEL, "torch-lstm", make_lstm, LstmConfig)
    registry.add(ComponentKind.MODEL, "torch-tcn", make_tcn, TcnConfig)
    registry.add(ComponentKind.MODEL, "torch-transformer", make_transformer, TransformerConfig)
    registry.add(ComponentKind.MODEL, "torch-book-transformer", make_book_transformer, BookTransformerConfig)
    registry.add(ComponentKind.MODEL, "torch-gnn", make_gnn, GnnConfig)
    registry.add(ComponentKind.MODEL, "torch-mlp", make_mlp, MlpConfig)
    registry.add(ComponentKind.MODEL, "torch-ensemble", make_ensemble, EnsembleConfig)
