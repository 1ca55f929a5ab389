# The one-column index on a movement's time: nothing reads movements by time alone (the
# per-variant history uses (variant, -created_at)), and every checkout and import writes them.

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('inventory', '0003_fewer_indexes'),
    ]

    operations = [
        migrations.AlterField(
            model_name='stockmovement',
            name='created_at',
            field=models.DateTimeField(auto_now_add=True),
        ),
    ]
