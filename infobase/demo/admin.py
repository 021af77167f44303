from django.contrib import admin

from infobase.demo.models import DemoDataset

admin.site.register(DemoDataset)
