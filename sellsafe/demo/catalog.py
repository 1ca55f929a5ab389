"""Demo catalog: a few dozen ceramics with variants, generated pictures and stock."""

from __future__ import annotations

import io
import random

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image, ImageDraw

from sellsafe.catalog import image_services
from sellsafe.catalog.models import Product, ProductStatus
from sellsafe.catalog.services import category_create, product_create
from sellsafe.core import tenancy
from sellsafe.inventory.models import LocationKind, MovementReason
from sellsafe.inventory.services import location_create, stock_adjust
from sellsafe.shops.models import Membership, Shop

KINDS = ("Mug", "Bowl", "Vase", "Plate", "Teapot", "Jug")
GLAZES = ("Celadon", "Tenmoku", "Shino", "Ash", "Cobalt", "Speckled", "Honey", "Slate")
SIZES = ("Small", "Medium", "Large")
COLOURS = {
    "Celadon": (155, 190, 160),
    "Tenmoku": (70, 40, 25),
    "Shino": (225, 200, 170),
    "Ash": (160, 155, 140),
    "Cobalt": (40, 70, 150),
    "Speckled": (215, 210, 195),
    "Honey": (200, 140, 50),
    "Slate": (90, 100, 110),
}


def _picture(colour: tuple[int, int, int], seed: int) -> SimpleUploadedFile:
    """A simple generated product shot (no binary files in the repository)."""
    image = Image.new("RGB", (640, 480), (245, 242, 236))
    draw = ImageDraw.Draw(image)
    # Demo pictures and data, not security: a seeded generator keeps them repeatable.
    rng = random.Random(seed)  # noqa: S311 # nosec B311
    width = rng.randint(180, 280)
    draw.ellipse((320 - width, 120, 320 + width, 420), fill=colour, outline=(60, 50, 40), width=4)
    draw.ellipse((320 - width + 20, 110, 320 + width - 20, 170), fill=(235, 230, 220))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=85)
    return SimpleUploadedFile("demo.jpg", out.getvalue(), content_type="image/jpeg")


def seed_catalog(*, shop: Shop, owner: Membership, products: int = 36) -> int:
    """Create the demo products once; returns how many exist."""
    with tenancy.scope(shop):
        if Product.objects.exists():
            return Product.objects.count()
        rng = random.Random(42)  # noqa: S311 # nosec B311
        categories = {
            kind: category_create(actor=owner, shop=shop, name=kind + "s") for kind in KINDS
        }
        warehouse = location_create(
            actor=owner, shop=shop, name="Studio", kind=LocationKind.WAREHOUSE
        )
        market = location_create(
            actor=owner, shop=shop, name="Market stall", kind=LocationKind.SHOP
        )
        for n in range(products):
            kind, glaze = KINDS[n % len(KINDS)], GLAZES[n % len(GLAZES)]
            sized = kind in ("Mug", "Bowl", "Vase")
            base = rng.randint(60, 120) * 100 if kind == "Teapot" else rng.randint(12, 60) * 100
            sku = f"{kind[:3].upper()}-{glaze[:3].upper()}-{n:03d}"
            if sized:
                variants = [
                    {
                        "sku": f"{sku}-{size[0]}",
                        "price": f"{(base + step * 400) / 100:.2f}",
                        "option_values": [size],
                    }
                    for step, size in enumerate(SIZES)
                ]
            else:
                variants = [{"sku": sku, "price": f"{base / 100:.2f}"}]
            product = product_create(
                actor=owner,
                shop=shop,
                title=f"{glaze} {kind.lower()} no. {n + 1}",
                description=(
                    f"A hand-thrown **{kind.lower()}** in our *{glaze.lower()}* glaze. "
                    "Food safe, dishwasher safe; every piece is a little different."
                ),
                category=categories[kind],
                brand="Dana's Ceramics",
                tags=[glaze.lower(), kind.lower(), "handmade"],
                status=ProductStatus.ACTIVE if n % 9 else ProductStatus.DRAFT,
                option_names=["Size"] if sized else [],
                variants=variants,
            )
            image_services.image_add(
                actor=owner,
                shop=shop,
                product=product,
                upload=_picture(COLOURS[glaze], n),
                alt_text=f"{glaze} {kind.lower()}",
            )
            for variant in product.variants.all():
                units = rng.choice((0, 2, 4, 8, 12, 20, 35))
                if units:
                    stock_adjust(
                        actor=owner,
                        shop=shop,
                        variant=variant,
                        location=warehouse,
                        change=units,
                        reason=MovementReason.RECEIVED,
                        note="Kiln batch",
                    )
                if rng.random() < 0.3:
                    stock_adjust(
                        actor=owner,
                        shop=shop,
                        variant=variant,
                        location=market,
                        change=rng.randint(1, 3),
                        reason=MovementReason.RECEIVED,
                    )
        return Product.objects.count()
