"""Private files (attachments, conventions, meeting documents, reports) are never served by
a media URL: a view checks the scope, then answers with :func:`private_file_response`."""

from django.http import FileResponse, Http404


def private_file_response(file_field, *, filename, content_type, missing="Le fichier n'est plus disponible."):
    """The stored file as a download: always an attachment (never rendered inline), the
    type declared by us and not sniffed by the browser, kept out of shared caches.
    404 when the field is empty or the file has gone from the storage."""
    if not file_field:
        raise Http404(missing)
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    response = FileResponse(handle, as_attachment=True, filename=filename, content_type=content_type)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response
