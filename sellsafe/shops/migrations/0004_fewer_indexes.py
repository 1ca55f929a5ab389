# One-column shop indexes that the (shop, ...) indexes of the same table already serve.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('shops', '0003_shop_bank_transfer_details_shop_order_counter_and_more'),
    ]

    operations = [
        migrations.AlterField(
            model_name='invitation',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
        migrations.AlterField(
            model_name='membership',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
        migrations.AlterField(
            model_name='role',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
    ]
