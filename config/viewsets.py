"""What the API's viewsets share beyond config.rest (which DRF's settings import, so it cannot
import DRF's views back)."""

from typing import Any

from django.db.models import Model
from django.shortcuts import get_object_or_404
from rest_framework import generics, status
from rest_framework.response import Response


class AnswersFresh(generics.GenericAPIView[Any]):
    """An endpoint that writes answers with the record read again the way the endpoint reads
    it (its queryset, with the joins the serializer shows, scoped to the caller), so the answer
    is what was stored, not the object the service handed back."""

    def _fresh(self, instance: Model, code: int = status.HTTP_200_OK) -> Response:
        fresh = get_object_or_404(self.get_queryset(), pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=code)
