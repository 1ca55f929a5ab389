# One-column indexes that a composite index (or unique key) leading with the same column already
# serves: each only cost every INSERT (the checkout and the CSV import most).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('catalog', '0003_product_title_trigram'),
        ('shops', '0003_shop_bank_transfer_details_shop_order_counter_and_more'),
    ]

    operations = [
        migrations.AlterField(
            model_name='product',
            name='handle',
            field=models.SlugField(db_index=False, help_text="The product's web address (SEO handle).", max_length=120),
        ),
        migrations.AlterField(
            model_name='product',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
        migrations.AlterField(
            model_name='variant',
            name='product',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='variants', to='catalog.product'),
        ),
        migrations.AlterField(
            model_name='variant',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
    ]
