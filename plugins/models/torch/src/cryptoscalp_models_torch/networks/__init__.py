"""The torch networks. Each maps windows ``(batch, seq_len, n_features)`` of standardised rows (oldest
first, the decision row last) to signal-space outputs ``(batch, k)``: a tanh position (k = 1) or class
log-probabilities."""
