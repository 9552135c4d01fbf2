"""The XLA backend (StableHLO lowering + PJRT runtime) arrives with its issue."""
