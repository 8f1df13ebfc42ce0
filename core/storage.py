"""The file storage (local disk or S3-compatible object storage, see ``STORAGES`` in the
settings) seen from a request: when the object storage cannot be reached, the user gets
a French page « service momentanément indisponible » (503), never a bare 500."""

import logging

from botocore.exceptions import BotoCoreError, ClientError
from django.template.response import TemplateResponse

logger = logging.getLogger(__name__)

# Raised by boto3 when the object storage is down, too slow, or refuses our credentials
# (a missing file is already a FileNotFoundError, answered with a 404 by core.files).
STORAGE_ERRORS = (BotoCoreError, ClientError)


class StorageUnavailableMiddleware:
    """Answer 503 with a French page when a view fails on the object storage; the
    request's transaction is rolled back as for any other error."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        return self.get_response(request)

    def process_exception(self, request, exception):
        if not isinstance(exception, STORAGE_ERRORS):
            return None
        logger.error("Stockage des fichiers injoignable : %s", exception, exc_info=exception)
        response = TemplateResponse(request, "503_storage.html", status=503)
        response["Retry-After"] = "60"
        response["Cache-Control"] = "private, no-store"
        return response.render()
