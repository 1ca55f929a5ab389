"""The shop's activity log: filtered list, one event, CSV export (audited)."""

from __future__ import annotations

import csv
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from uuid import UUID

from django.http import Http404, HttpRequest, HttpResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from sellsafe.audit.activity import PAGE_SIZE, ActivityFilters, activity_page, shop_event
from sellsafe.audit.exports import activity_export
from sellsafe.audit.models import AuditEvent
from sellsafe.console.shop_access import shop_view
from sellsafe.console.shop_forms import ACTION_LABELS, ActivityFilterForm
from sellsafe.console.views.shop_common import NOT_FOUND, membership_of, shop_of, shop_render


@dataclass(frozen=True, slots=True)
class EventRow:
    """An audit event with its human label, for the log table and the history panel."""

    event: AuditEvent
    label: str


def labelled(events: Iterable[AuditEvent]) -> list[EventRow]:
    return [EventRow(event, ACTION_LABELS.get(event.action, event.action)) for event in events]


class _Echo:
    """A file-like object whose write() returns the line: csv.writer streams through it."""

    def write(self, value: str) -> str:
        return value


def _csv_lines(rows: Iterator[list[str]]) -> Iterator[str]:
    writer = csv.writer(_Echo())
    for row in rows:
        yield writer.writerow(row)


@shop_view("audit.view")
@require_http_methods(["GET"])
def activity(request: HttpRequest) -> HttpResponse:
    form = ActivityFilterForm(request.GET or None)
    if form.is_bound and not form.is_valid():
        # Say what is wrong and show nothing, rather than guess at the person's intent.
        return shop_render(
            request, "console/shop/activity.html", {"form": form, "rows": [], "page": None}
        )
    filters = form.filters() if form.is_bound else ActivityFilters()
    data = form.cleaned_data if form.is_bound else {}
    page = activity_page(
        shop=shop_of(request),
        filters=filters,
        after=data.get("after") or "",
        size=data.get("size") or PAGE_SIZE,
    )
    older = None
    if page.next_cursor:
        query = request.GET.copy()
        query["after"] = page.next_cursor
        older = query.urlencode()
    return shop_render(
        request,
        "console/shop/activity.html",
        {
            "form": form,
            "rows": labelled(page.events),
            "page": page,
            "older_query": older,
            "first_page": not data.get("after"),
            "filtered": bool(filters.describe()),
        },
    )


@shop_view("audit.view")
@require_http_methods(["GET"])
def activity_event(request: HttpRequest, event_id: UUID) -> HttpResponse:
    event = shop_event(shop=shop_of(request), event_id=event_id)
    if event is None:
        raise Http404(NOT_FOUND)
    return shop_render(request, "console/shop/activity_event.html", {"row": labelled([event])[0]})


@shop_view("audit.export")
@require_http_methods(["POST"])
def activity_export_csv(request: HttpRequest) -> HttpResponseBase:
    """Download the log as CSV (POST: exporting is recorded, so it is not a link to follow)."""
    form = ActivityFilterForm(request.POST)
    if not form.is_valid():
        return shop_render(
            request,
            "console/shop/activity.html",
            {"form": form, "rows": [], "page": None},
            status=400,
        )
    shop = shop_of(request)
    rows = activity_export(
        actor=membership_of(request).user,
        shop=shop,
        filters=form.filters(),
        labels=ACTION_LABELS,
    )
    stamp = timezone.now().strftime("%Y%m%d-%H%M%S")
    response = StreamingHttpResponse(_csv_lines(rows), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{shop.slug}-activity-{stamp}.csv"'
    return response
