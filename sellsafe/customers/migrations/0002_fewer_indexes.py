# One-column indexes that a composite index (or unique key) leading with the same column already
# serves: each only cost every INSERT (the checkout and the CSV import most).

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('customers', '0001_initial'),
        ('shops', '0003_shop_bank_transfer_details_shop_order_counter_and_more'),
    ]

    operations = [
        migrations.AlterField(
            model_name='customer',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
    ]
