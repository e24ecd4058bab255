"""The file formats digest reads and writes: articles (front-matter and its
validation), Markdown, summaries, raw scraped text, HTML escaping. Each shortcut that
shadows a library has a module of its own, named ``*_fast``, held equal to the library
by a property test.
"""
