"""Compression experiments: the measurement a candidate gets when no theorem kills it.

Importing this package is cheap: torch and transformers are imported only when a
measurement runs (:mod:`.engine`) or a model is built (:mod:`.models`). The pytest side
lives in :mod:`.plugin` (the ``pytest_obstacles_measure`` implementation).
"""
