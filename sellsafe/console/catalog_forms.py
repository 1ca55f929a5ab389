"""Forms for the catalog pages: they bound and parse the input; the catalog services decide what
is valid (and say so on the field). Category fields look categories up through the scoped manager,
so another shop's category is simply "not found in this shop"."""

from __future__ import annotations

from typing import Any, cast
from uuid import UUID

from django import forms

from sellsafe.catalog.models import MAX_OPTIONS, Category, ProductStatus
from sellsafe.catalog.selectors import SORTS

# Generous bounds: the services give the precise message; these stop absurd input early.
TEXT = 300
DESCRIPTION = 20_000
NOT_FOUND = "That category was not found in this shop. Choose one from the list."


class ShopCategoryField(forms.ModelChoiceField):
    default_error_messages = {"invalid_choice": NOT_FOUND}

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(queryset=None, **kwargs)

    def use(self) -> None:
        self.queryset = Category.objects.order_by("name")


def _use_categories(form: forms.Form, *names: str) -> None:
    for name in names:
        field = form.fields[name]
        if isinstance(field, ShopCategoryField):
            field.use()


class ProductForm(forms.Form):
    title = forms.CharField(max_length=TEXT)
    description = forms.CharField(
        required=False,
        max_length=DESCRIPTION,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text="Markdown: **bold**, *italic*, lists, links. Shown sanitised.",
    )
    category = ShopCategoryField(required=False, empty_label="No category")
    brand = forms.CharField(required=False, max_length=TEXT)
    tags = forms.CharField(required=False, max_length=2000, help_text="Separate tags with commas.")
    status = forms.ChoiceField(choices=ProductStatus.choices, initial=ProductStatus.DRAFT)
    handle = forms.CharField(
        required=False,
        max_length=TEXT,
        help_text="The product's web address. Left empty, it is made from the title.",
    )
    option_1 = forms.CharField(required=False, max_length=TEXT, label="Option 1 (e.g. Size)")
    option_2 = forms.CharField(required=False, max_length=TEXT, label="Option 2 (e.g. Colour)")
    option_3 = forms.CharField(required=False, max_length=TEXT, label="Option 3")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_categories(self, "category")

    def option_names(self) -> list[str]:
        names = [self.cleaned_data.get(f"option_{n}", "") for n in range(1, MAX_OPTIONS + 1)]
        return [name for name in names if name and name.strip()]

    def tag_list(self) -> list[str]:
        return [t.strip() for t in self.cleaned_data.get("tags", "").split(",") if t.strip()]


class VariantForm(forms.Form):
    id = forms.UUIDField(required=False, widget=forms.HiddenInput)
    sku = forms.CharField(required=False, max_length=TEXT, label="SKU")
    barcode = forms.CharField(required=False, max_length=TEXT)
    price = forms.CharField(required=False, max_length=30)
    compare_at = forms.CharField(required=False, max_length=30, label="Compare-at price")
    option_1 = forms.CharField(required=False, max_length=TEXT, label="Option 1 value")
    option_2 = forms.CharField(required=False, max_length=TEXT, label="Option 2 value")
    option_3 = forms.CharField(required=False, max_length=TEXT, label="Option 3 value")
    weight = forms.CharField(required=False, max_length=12, label="Weight (g)")

    def is_blank(self) -> bool:
        data = getattr(self, "cleaned_data", {})
        return not any(data.get(name) for name in ("id", "sku", "barcode", "price", "compare_at"))

    def as_variant(self, option_count: int) -> dict[str, Any]:
        data = self.cleaned_data
        return {
            "id": data.get("id"),
            "sku": data.get("sku", ""),
            "barcode": data.get("barcode", ""),
            "price": data.get("price", ""),
            "compare_at": data.get("compare_at", ""),
            "option_values": [data.get(f"option_{n}", "") for n in range(1, option_count + 1)],
            "weight": data.get("weight", ""),
        }


VariantFormSet = forms.formset_factory(
    VariantForm,
    extra=1,
    can_delete=True,
    max_num=100,
    absolute_max=100,
    validate_max=True,
)


class CategoryForm(forms.Form):
    name = forms.CharField(max_length=TEXT)
    parent = ShopCategoryField(required=False, empty_label="Top level")

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _use_categories(self, "parent")


STOCK_CHOICES = [
    ("", "Any stock"),
    ("in", "In stock"),
    ("low", "Low stock"),
    ("out", "Out of stock"),
]
SORT_LABELS = {"updated": "Recently changed", "title": "Title", "price": "Price"}


def _uuid(value: str) -> UUID:
    return UUID(value)


class ProductListForm(forms.Form):
    """The list's filters. The category is a plain choice among the shop's categories (read once
    as a list: no second lookup to validate it, no server-side cursor to render the select);
    `cleaned_data["category"]` is the chosen category's id or None."""

    q = forms.CharField(required=False, max_length=200, label="Search")
    status = forms.ChoiceField(required=False, choices=[("", "Any status"), *ProductStatus.choices])
    category = forms.TypedChoiceField(
        required=False,
        coerce=_uuid,
        empty_value=None,
        error_messages={"invalid_choice": NOT_FOUND},
    )
    stock = forms.ChoiceField(required=False, choices=STOCK_CHOICES)
    sort = forms.ChoiceField(
        required=False, choices=[(s, SORT_LABELS[s]) for s in SORTS], initial="updated"
    )
    cursor = forms.CharField(required=False, max_length=600, widget=forms.HiddenInput)

    def __init__(self, *args: Any, categories: list[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        field = cast(forms.TypedChoiceField, self.fields["category"])
        field.choices = [("", "Any category"), *((str(c.pk), c.name) for c in categories)]


BULK_CHOICES = [
    ("activate", "Activate"),
    ("archive", "Archive"),
    ("delete_drafts", "Delete drafts"),
    ("price", "Change price"),
]


class BulkForm(forms.Form):
    action = forms.ChoiceField(choices=BULK_CHOICES)
    mode = forms.ChoiceField(
        required=False, choices=[("amount", "By an amount"), ("percent", "By a percentage")]
    )
    direction = forms.ChoiceField(required=False, choices=[("down", "Down"), ("up", "Up")])
    amount = forms.CharField(required=False, max_length=30)
