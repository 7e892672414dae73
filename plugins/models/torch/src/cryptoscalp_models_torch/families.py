"""The model families: each is a :class:`TorchModel` with its settings and the network it builds."""

from __future__ import annotations

from typing import Any

from torch import nn

from cryptoscalp_models_torch.columns import resolve
from cryptoscalp_models_torch.config import (
    BookTransformerConfig,
    GnnConfig,
    LstmConfig,
    MlpConfig,
    TcnConfig,
    TransformerConfig,
)
from cryptoscalp_models_torch.model import TorchModel
from cryptoscalp_models_torch.networks.book import BookNet
from cryptoscalp_models_torch.networks.gnn import CrossAssetGnn
from cryptoscalp_models_torch.networks.lstm import LstmNet
from cryptoscalp_models_torch.networks.mlp import MlpNet
from cryptoscalp_models_torch.networks.tcn import TcnNet
from cryptoscalp_models_torch.networks.transformer import MultiTimeframeNet


class LstmModel(TorchModel):
    component = "torch-lstm"
    config_type = LstmConfig
    config: LstmConfig

    def build_network(self) -> nn.Module:
        c = self.config
        return LstmNet(self.n_features, self.n_outputs, self.probabilities, hidden=c.hidden, layers=c.layers,
                       dropout=c.dropout)


class TcnModel(TorchModel):
    component = "torch-tcn"
    config_type = TcnConfig
    config: TcnConfig

    def build_network(self) -> nn.Module:
        c = self.config
        return TcnNet(self.n_features, self.n_outputs, self.probabilities, channels=c.channels,
                      kernel=c.kernel_size, dropout=c.dropout)


class TransformerModel(TorchModel):
    component = "torch-transformer"
    config_type = TransformerConfig
    config: TransformerConfig

    def build_network(self) -> nn.Module:
        c = self.config
        return MultiTimeframeNet(self.n_features, self.n_outputs, self.probabilities, timeframes=c.timeframes,
                                 tokens=c.tokens_per_timeframe, d_model=c.d_model, heads=c.heads, layers=c.layers,
                                 dropout=c.dropout)


class MlpModel(TorchModel):
    component = "torch-mlp"
    config_type = MlpConfig
    config: MlpConfig

    def build_network(self) -> nn.Module:
        c = self.config
        return MlpNet(self.n_features, self.n_outputs, self.probabilities, seq_len=c.seq_len, hidden=c.hidden,
                      dropout=c.dropout)


class BookTransformerModel(TorchModel):
    """Columns are resolved at the first fit from the feature names (or indices) and saved with the model."""

    component = "torch-book-transformer"
    config_type = BookTransformerConfig
    config: BookTransformerConfig
    bids: list[int]
    asks: list[int]

    def bind_columns(self) -> None:
        c, names = self.config, self.feature_names
        self.bids = resolve(c.bid_columns, names, self.n_features, "bid_columns", by_level=True)
        self.asks = resolve(c.ask_columns, names, self.n_features, "ask_columns", by_level=True)
        if len(self.bids) != len(self.asks):
            raise ValueError(f"{len(self.bids)} bid levels but {len(self.asks)} ask levels")
        if set(self.bids) & set(self.asks):
            raise ValueError("bid_columns and ask_columns share a column")

    def others(self) -> list[int]:
        used = set(self.bids) | set(self.asks)
        return [i for i in range(self.n_features) if i not in used] if self.config.context else []

    def extra_state(self) -> dict[str, Any]:
        return {"bids": self.bids, "asks": self.asks}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.bids, self.asks = list(state["bids"]), list(state["asks"])

    def build_network(self) -> nn.Module:
        c = self.config
        return BookNet(self.n_outputs, self.probabilities, bids=self.bids, asks=self.asks, others=self.others(),
                       d_model=c.d_model, heads=c.heads, layers=c.layers, dropout=c.dropout)


class GnnModel(TorchModel):
    """Node and return columns are resolved at the first fit and saved with the model."""

    component = "torch-gnn"
    config_type = GnnConfig
    config: GnnConfig
    node_columns: list[list[int]]
    return_columns: list[int]

    def bind_columns(self) -> None:
        c, names = self.config, self.feature_names
        self.node_columns = [resolve(cols, names, self.n_features, f"nodes.{node}") for node, cols in c.nodes.items()]
        widths = {node: len(cols) for node, cols in zip(c.nodes, self.node_columns, strict=True)}
        if len(set(widths.values())) != 1:
            raise ValueError(f"every instrument needs the same number of node columns, got {widths}")
        self.return_columns = [resolve([c.returns[node]], names, self.n_features, f"returns.{node}")[0]
                               for node in c.nodes]

    def extra_state(self) -> dict[str, Any]:
        return {"node_columns": self.node_columns, "return_columns": self.return_columns}

    def set_extra_state(self, state: dict[str, Any]) -> None:
        self.node_columns = [list(cols) for cols in state["node_columns"]]
        self.return_columns = list(state["return_columns"])

    def build_network(self) -> nn.Module:
        c = self.config
        target = list(c.nodes).index(c.target) if c.target is not None else 0
        return CrossAssetGnn(self.n_outputs, self.probabilities, node_columns=self.node_columns,
                             return_columns=self.return_columns, target=target, hidden=c.hidden, layers=c.layers,
                             dropout=c.dropout)


FAMILIES: dict[str, type[TorchModel]] = {cls.component: cls for cls in (
    LstmModel, TcnModel, TransformerModel, MlpModel, BookTransformerModel, GnnModel)}
