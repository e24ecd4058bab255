"""Site search with Pagefind (the ``search`` extra): the search page, the shards
of the index and how Pagefind is run over them, and the background indexer of
``watch``.
"""
