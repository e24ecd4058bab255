"""What the command line runs: ``build`` (the orchestrator), ``patch`` (watch's
in-place rebuild), ``watch``, ``serve`` and its live reload, and the authoring commands
``new``, ``init`` and ``import``. Nothing here shapes a page's bytes (the cache's tool
identity leaves this package out).
"""
