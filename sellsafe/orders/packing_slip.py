"""Packing slips: one page per order with the full shipping address and what goes in the parcel.

A slip shows the buyer's name and full address, so printing one is a sensitive read: the
service below needs orders.fulfil and records who printed which orders (one event per order, so
each order's timeline shows it, with the size of the batch), in the same transaction.
"""

from __future__ import annotations

import io
from collections.abc import Sequence

from django.db import transaction
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfgen.canvas import Canvas

from sellsafe.core import tenancy, zones
from sellsafe.core.errors import DomainError
from sellsafe.orders import events
from sellsafe.orders.address import COUNTRIES
from sellsafe.orders.models import Order, OrderLine
from sellsafe.orders.pii import address_loads
from sellsafe.orders.services.common import audit, require, same_shop
from sellsafe.shops.models import Membership, Shop

SLIPS_MAX = 200  # orders in one print
_TEXT_MAX = 90


def _safe(text: str, limit: int = _TEXT_MAX) -> str:
    """One printable line: the standard PDF fonts cover Latin-1; anything else shows as '?'."""
    line = " ".join(str(text).split())[:limit]
    return line.encode("latin-1", "replace").decode("latin-1")


def _address_lines(order: Order) -> list[str]:
    address = address_loads(order.shipping_address)
    country = address.get("country", "")
    rule = COUNTRIES.get(country)
    city_line = " ".join(p for p in (address["postcode"], address["city"]) if p)
    lines = [order.buyer_name, address["line1"], address["line2"], city_line, address["region"]]
    lines.append(rule.name if rule else country)
    return [line for line in lines if line]


def _draw(canvas: Canvas, shop: Shop, order: Order, lines: Sequence[OrderLine]) -> None:
    width, height = A4
    left, y = 20 * mm, height - 25 * mm
    canvas.setFont("Helvetica-Bold", 16)
    canvas.drawString(left, y, _safe(shop.name))
    canvas.setFont("Helvetica", 11)
    canvas.drawRightString(width - left, y, _safe(f"Packing slip - order #{order.number}"))
    y -= 7 * mm
    placed = order.placed_at.astimezone(zones.zone_named(shop.timezone))  # the shop's day
    canvas.drawRightString(width - left, y, placed.strftime("%Y-%m-%d"))
    y -= 12 * mm
    canvas.setFont("Helvetica-Bold", 11)
    canvas.drawString(left, y, "Ship to")
    canvas.setFont("Helvetica", 11)
    for text in _address_lines(order):
        y -= 6 * mm
        canvas.drawString(left, y, _safe(text))
    y -= 14 * mm
    canvas.setFont("Helvetica-Bold", 10)
    canvas.drawString(left, y, "SKU")
    canvas.drawString(left + 45 * mm, y, "Item")
    canvas.drawRightString(width - left, y, "Qty")
    canvas.setFont("Helvetica", 10)
    for line in lines:
        y -= 6 * mm
        if y < 20 * mm:  # a long order continues on the next page
            canvas.showPage()
            canvas.setFont("Helvetica", 10)
            y = height - 25 * mm
        title = f"{line.title} ({line.options})" if line.options else line.title
        canvas.drawString(left, y, _safe(line.sku, 24))
        canvas.drawString(left + 45 * mm, y, _safe(title, 70))
        canvas.drawRightString(width - left, y, str(line.quantity))
    canvas.showPage()


def render(*, shop: Shop, orders: Sequence[Order]) -> bytes:
    """One PDF with a page (or more) per order, in the order given."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=A4, pageCompression=1)
    canvas.setTitle(f"Packing slips - {_safe(shop.name)}")
    lines: dict[object, list[OrderLine]] = {}
    for line in OrderLine.objects.filter(order__in=[o.pk for o in orders]).order_by("position"):
        lines.setdefault(line.order_id, []).append(line)
    for order in orders:
        _draw(canvas, shop, order, lines.get(order.pk, []))
    canvas.save()
    return buffer.getvalue()


@tenancy.shop_service
def packing_slips_print(*, actor: Membership, shop: Shop, orders: Sequence[Order]) -> bytes:
    """The slips of `orders` as one PDF; audited because they show full addresses."""
    target = orders[0] if len(orders) == 1 else None
    require(actor, shop, "orders.fulfil", target)
    if not orders:
        raise DomainError("Choose at least one order to print.")
    if len(orders) > SLIPS_MAX:
        raise DomainError(f"Print at most {SLIPS_MAX} packing slips at a time.")
    for order in orders:
        same_shop(shop, order)
    pdf = render(shop=shop, orders=orders)
    with transaction.atomic():  # one event per order: each order's timeline shows it
        for order in orders:
            audit(
                shop=shop,
                order=order,
                action=events.ORDER_PACKING_SLIP_PRINTED,
                actor=actor,
                changes={"batch": len(orders)},
            )
    return pdf
