"""What makes a build cost what changed: the cache of parsed articles and
rendered bodies (data only), page fingerprints, the manifest of the last output and the
input snapshot, the record of which article fields each page read, and which pages
hold which articles.
"""
