from django.db import models
from django.utils.translation import gettext_lazy as _


class DemoDataset(models.Model):
    """Marks that illustrative demo data was generated, so the interface can say so."""

    scale = models.CharField(_("scale"), max_length=20)
    seed = models.IntegerField(_("seed"))
    created_at = models.DateTimeField(_("generated at"), auto_now_add=True)

    class Meta:
        verbose_name = _("demo data set")
        verbose_name_plural = _("demo data sets")

    def __str__(self) -> str:
        return f"{self.scale} (seed {self.seed})"
