"""Private files (attachments, conventions, meeting documents, reports, exports) are never
served by a media URL (nor by a bucket's signed URL): a view checks the scope, then answers
with :func:`private_file_response` (stored files, streamed from the storage whichever it is:
local disk or S3) or :func:`private_download` (built content)."""

from pathlib import PurePath

from django.http import FileResponse, Http404, HttpResponse, StreamingHttpResponse

from .uploads import extension_for


def download_name(filename, content_type):
    """``filename`` ending with the extension of ``content_type``, whatever the uploader
    called the file: ``RIB.pdf.bat`` and ``RIB.html`` holding a PDF are served as
    ``RIB.pdf``. A name whose type we do not know is kept."""
    extension = extension_for(content_type)
    if not extension:
        return filename
    path = PurePath(filename or "document")
    stem = path.stem if path.suffix else path.name
    if stem.lower().endswith(extension):
        return stem
    return f"{stem}{extension}"


def _private(response):
    """Never sniffed into another type by the browser, never kept by a shared cache."""
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


def private_file_response(file_field, *, filename, content_type, missing="Le fichier n'est plus disponible."):
    """The stored file as a download: always an attachment (never rendered inline), named
    with the extension of the type we detected at upload, of that type and not sniffed,
    kept out of caches. 404 when the field is empty or the file has gone from the storage."""
    if not file_field:
        raise Http404(missing)
    try:
        handle = file_field.open("rb")
    except FileNotFoundError as error:
        raise Http404(missing) from error
    name = download_name(filename, content_type)
    return _private(FileResponse(handle, as_attachment=True, filename=name, content_type=content_type))


def private_download(content, *, filename, content_type):
    """Content built for the request (an export) as a private attachment. ``content``:
    bytes, or an iterator of byte chunks streamed as it is produced (a CSV read from a
    server-side cursor)."""
    if isinstance(content, (bytes, str)):
        response = HttpResponse(content, content_type=content_type)
    else:
        response = StreamingHttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return _private(response)
