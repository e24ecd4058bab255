"""The folders of a site project, by name: what every layer agrees on before reading a file."""

CONTENT_DIR = "content"
"""The articles: ``content/**/*.md``."""
TEMPLATES_DIR = "templates"
"""The site's own templates, over the built-in theme."""
STATIC_DIR = "static"
"""Files copied into the site as they are."""
