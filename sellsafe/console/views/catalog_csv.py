"""Catalog CSV pages: export (streamed, audited) and import (uploaded, checked and written by a
background task, with an htmx-polled progress bar and the problem report). Thin: the work is in
sellsafe.catalog.csv_export, csv_import and csv_tasks."""

from __future__ import annotations

from uuid import UUID

from allauth.account.internal.flows.reauthentication import is_reauthentication_required
from django import forms
from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sellsafe.catalog import csv_tasks
from sellsafe.catalog.csv_export import catalog_export, csv_lines
from sellsafe.catalog.csv_import.reading import FileRefused, max_bytes, max_rows
from sellsafe.console.shop_access import shop_view
from sellsafe.console.views.shop_common import (
    NOT_FOUND,
    membership_of,
    shop_of,
    shop_redirect,
    shop_render,
)
from sellsafe.core.errors import DomainError

PAGE = "console/catalog/csv_page.html"


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8 text, comma or semicolon separated.")
    valid_only = forms.BooleanField(
        required=False,
        label="Import only the valid rows",
        help_text="Skip products that have a problem and import the rest. Otherwise nothing is "
        "imported while any row has a problem.",
    )


def _page(
    request: HttpRequest, form: ImportForm | None = None, *, status: int = 200
) -> HttpResponse:
    return shop_render(
        request,
        PAGE,
        {
            "form": form or ImportForm(),
            "max_mb": max_bytes() / (1024 * 1024),
            "max_rows": max_rows(),
        },
        status=status,
    )


@shop_view("catalog.view")
@require_http_methods(["GET"])
def csv_page(request: HttpRequest) -> HttpResponse:
    return _page(request)


@shop_view("catalog.view")
@require_http_methods(["POST"])
def csv_export(request: HttpRequest) -> HttpResponseBase:
    """Download every product, variant and stock count (POST: exporting is recorded)."""
    shop = shop_of(request)
    rows = catalog_export(actor=membership_of(request).user, shop=shop)
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{shop.slug}-catalog-{stamp}.csv"'
    response["X-Content-Type-Options"] = "nosniff"
    return response


@shop_view("catalog.edit")
@require_http_methods(["GET", "POST"])
def csv_import(request: HttpRequest) -> HttpResponse:
    if request.method != "POST":
        return _page(request)
    form = ImportForm(request.POST, request.FILES)
    if not form.is_valid():
        return _page(request, form, status=400)
    upload = form.cleaned_data["file"]
    try:
        job_id = csv_tasks.import_start(
            actor=membership_of(request),
            shop=shop_of(request),
            upload=upload,
            file_name=str(upload.name or "")[:200],
            valid_only=form.cleaned_data["valid_only"],
            reauthenticated=not is_reauthentication_required(request, app=""),
        )
    except (FileRefused, DomainError) as error:
        form.add_error("file", getattr(error, "message", None) or str(error))
        return _page(request, form, status=400)
    return shop_redirect(request, "catalog_csv_job", UUID(job_id))


def _job(request: HttpRequest, job_id: UUID) -> dict[str, object]:
    job = csv_tasks.job_progress(shop=shop_of(request), job_id=job_id)
    if job is None:
        raise Http404(NOT_FOUND)
    total = int(job.get("total") or 0)
    return {
        "job": job,
        "job_id": job_id,
        "result": job.get("result"),
        "phase_label": csv_tasks.PHASES.get(str(job.get("phase") or ""), "Waiting to start"),
        "percent": int(100 * int(job.get("done") or 0) / total) if total else 0,
        "running": job.get("status") != csv_tasks.FINISHED,
    }


@shop_view("catalog.edit")
@require_http_methods(["GET"])
def csv_job(request: HttpRequest, job_id: UUID) -> HttpResponse:
    return shop_render(request, "console/catalog/csv_job.html", _job(request, job_id))


@shop_view("catalog.edit")
@require_http_methods(["GET"])
def csv_job_progress(request: HttpRequest, job_id: UUID) -> HttpResponse:
    """The progress panel alone, polled by htmx every second while the job runs."""
    return shop_render(request, "console/catalog/csv_progress.html", _job(request, job_id))
