"""The build's stages, in the order data flows through them: load -> index ->
related -> plan -> render -> write. Each imports only earlier stages and the layers below
(``digest.formats``, ``digest.incremental`` and the core modules), never a command.
"""
