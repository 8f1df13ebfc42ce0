"""The one way to check that a page runs as many SQL queries with few rows as with many.

A page whose query count grows with its rows (N+1) is slow on a real cité. The rows a
test builds must also appear on the page, so an empty page cannot pass by accident.
"""

from django.db import connection
from django.test.utils import CaptureQueriesContext

SMALL, LARGE = 3, 15


def body(response):
    """The response's content; a streamed download (an export) is read once, and its
    content kept on the response for the checks that follow."""
    if not response.streaming:
        return response.content
    if not hasattr(response, "streamed_body"):
        response.streamed_body = response.getvalue()  # read to the end: the client closes it
    return response.streamed_body


def count_queries(client, url):
    """``(number of queries, response)`` of a GET of ``url``, after a warm-up GET that fills
    the per-process caches (content types, templates, the session). A streamed export
    queries while it is read: it is read inside the count."""
    body(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        body(response)
    assert response.status_code == 200, f"{url} answered {response.status_code}"
    return len(queries), response


def assert_same_query_count(client, url, grow, *, sizes=(SMALL, LARGE), check=None):
    """Bring the data to each of ``sizes`` with ``grow(n)``, which returns the labels the
    page must show (or ``None``), and count the queries of ``url`` at each size: the
    counts must be equal. ``check(response, n)`` may assert more on each response.
    Returns the count."""
    counts = []
    for size in sizes:
        labels = grow(size) or []
        count, response = count_queries(client, url)
        content = body(response).decode(errors="replace")
        missing = [label for label in labels if label not in content]
        assert not missing, f"rows missing from the page with {size} rows: {missing}"
        if check is not None:
            check(response, size)
        counts.append(count)
    assert len(set(counts)) == 1, " ; ".join(f"{c} queries with {n} rows" for n, c in zip(sizes, counts, strict=True))
    return counts[0]


def one_by_one(build):
    """``grow(n)`` from ``build(i)``, which adds the i-th row and returns its label."""
    labels = []

    def grow(n):
        labels.extend(build(i) for i in range(len(labels), n))
        return labels

    return grow
