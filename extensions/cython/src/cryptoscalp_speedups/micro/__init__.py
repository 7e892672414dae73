"""Compiled microstructure kernels: bar clocks, a small L2 depth book with multi-level order-flow
imbalance, quote features, event intensities and a streaming normaliser.

Every kernel carries its state across calls, so feeding a stream in chunks of any size gives the same
output as one call over the whole stream.
"""
