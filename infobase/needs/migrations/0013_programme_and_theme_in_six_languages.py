"""Work programmes' names and descriptions and priority themes' titles in the six languages:
the one column each had becomes the English one (its text is English in every programme
recorded so far), the other five are added empty."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [("needs", "0012_lesson_lists_in_history")]

    operations = [
        migrations.RenameField("workprogramme", "name", "name_en"),
        migrations.RenameField("workprogramme", "description", "description_en"),
        migrations.RenameField("historicalworkprogramme", "name", "name_en"),
        migrations.RenameField("historicalworkprogramme", "description", "description_en"),
        migrations.RenameField("prioritytheme", "title", "title_en"),
        migrations.RenameField("historicalprioritytheme", "title", "title_en"),
        migrations.AlterModelOptions(
            name="prioritytheme",
            options={
                "ordering": ["programme", "-weight", "title_en"],
                "verbose_name": "priority theme",
                "verbose_name_plural": "priority themes",
            },
        ),
        migrations.AddField(
            model_name="historicalprioritytheme",
            name="title_ar",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (ar)"),
        ),
        migrations.AddField(
            model_name="historicalprioritytheme",
            name="title_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (es)"),
        ),
        migrations.AddField(
            model_name="historicalprioritytheme",
            name="title_fr",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (fr)"),
        ),
        migrations.AddField(
            model_name="historicalprioritytheme",
            name="title_ru",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (ru)"),
        ),
        migrations.AddField(
            model_name="historicalprioritytheme",
            name="title_zh",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (zh)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="description_ar",
            field=models.TextField(blank=True, verbose_name="description (ar)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="description_es",
            field=models.TextField(blank=True, verbose_name="description (es)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (fr)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="description_ru",
            field=models.TextField(blank=True, verbose_name="description (ru)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="description_zh",
            field=models.TextField(blank=True, verbose_name="description (zh)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="name_ar",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (ar)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="name_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (es)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="name_fr",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (fr)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="name_ru",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (ru)"),
        ),
        migrations.AddField(
            model_name="historicalworkprogramme",
            name="name_zh",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (zh)"),
        ),
        migrations.AddField(
            model_name="prioritytheme",
            name="title_ar",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (ar)"),
        ),
        migrations.AddField(
            model_name="prioritytheme",
            name="title_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (es)"),
        ),
        migrations.AddField(
            model_name="prioritytheme",
            name="title_fr",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (fr)"),
        ),
        migrations.AddField(
            model_name="prioritytheme",
            name="title_ru",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (ru)"),
        ),
        migrations.AddField(
            model_name="prioritytheme",
            name="title_zh",
            field=models.CharField(blank=True, max_length=300, verbose_name="title (zh)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="description_ar",
            field=models.TextField(blank=True, verbose_name="description (ar)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="description_es",
            field=models.TextField(blank=True, verbose_name="description (es)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="description_fr",
            field=models.TextField(blank=True, verbose_name="description (fr)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="description_ru",
            field=models.TextField(blank=True, verbose_name="description (ru)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="description_zh",
            field=models.TextField(blank=True, verbose_name="description (zh)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="name_ar",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (ar)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="name_es",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (es)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="name_fr",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (fr)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="name_ru",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (ru)"),
        ),
        migrations.AddField(
            model_name="workprogramme",
            name="name_zh",
            field=models.CharField(blank=True, max_length=300, verbose_name="name (zh)"),
        ),
        migrations.AlterField(
            model_name="historicalprioritytheme",
            name="title_en",
            field=models.CharField(max_length=300, verbose_name="title (en)"),
        ),
        migrations.AlterField(
            model_name="historicalworkprogramme",
            name="description_en",
            field=models.TextField(blank=True, verbose_name="description (en)"),
        ),
        migrations.AlterField(
            model_name="historicalworkprogramme",
            name="name_en",
            field=models.CharField(max_length=300, verbose_name="name (en)"),
        ),
        migrations.AlterField(
            model_name="prioritytheme",
            name="title_en",
            field=models.CharField(max_length=300, verbose_name="title (en)"),
        ),
        migrations.AlterField(
            model_name="workprogramme",
            name="description_en",
            field=models.TextField(blank=True, verbose_name="description (en)"),
        ),
        migrations.AlterField(
            model_name="workprogramme",
            name="name_en",
            field=models.CharField(max_length=300, verbose_name="name (en)"),
        ),
    ]
