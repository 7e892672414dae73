"""OKX ``trades``, ``tickers`` and ``bbo-tbt`` data arrays read from the frame bytes → TRADE / QUOTE rows
(the C readers behind :meth:`cryptoscalp_speedups.okxframes.OkxBookFrames.read`; no Python API)."""
