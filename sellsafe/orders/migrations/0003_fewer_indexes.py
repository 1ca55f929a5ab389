# One-column shop indexes that the (shop, ...) indexes of the same table already serve.

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('orders', '0002_fewer_indexes'),
        ('shops', '0004_fewer_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='refund',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
        migrations.AlterField(
            model_name='webhookevent',
            name='shop',
            field=models.ForeignKey(db_index=False, on_delete=django.db.models.deletion.CASCADE, related_name='+', to='shops.shop'),
        ),
    ]
