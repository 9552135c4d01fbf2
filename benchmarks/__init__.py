"""Side-by-side benchmarks against JAX, NumPy and other peers (``python -m benchmarks``)."""
