"""References to a treaty provision: instrument, article and, where useful, paragraph.

Written as ``untoc 16``, ``untoc 16(3)`` or ``tip 6(2)``; other apps store the article as a
foreign key and the paragraph as a small integer, and use ``ArticleRef`` to parse and show it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from django.utils.translation import gettext as _

from infobase.reference.models import Article

_PATTERN = re.compile(r"^\s*([a-z]+)\s*(?:art\.?\s*)?(\d+)\s*(?:\((\d+)\))?\s*$", re.IGNORECASE)


@dataclass(frozen=True)
class ArticleRef:
    article: Article
    paragraph: int | None = None

    def __str__(self) -> str:
        label = _("%(instrument)s, art. %(number)s") % {
            "instrument": self.article.instrument,
            "number": self.article.number,
        }
        if self.paragraph:
            label = _("%(article)s, para. %(paragraph)s") % {
                "article": label,
                "paragraph": self.paragraph,
            }
        return label

    @property
    def code(self) -> str:
        base = f"{self.article.instrument.code} {self.article.number}"
        return f"{base}({self.paragraph})" if self.paragraph else base


def parse_article_ref(text: str) -> ArticleRef:
    """Parse ``untoc 16(3)``; raises ValueError with a translated message."""
    match = _PATTERN.match(text or "")
    if not match:
        raise ValueError(
            _("“%(text)s” is not a reference such as “untoc 16” or “untoc 16(3)”.") % {"text": text}
        )
    code, number, paragraph = match.group(1).lower(), int(match.group(2)), match.group(3)
    article = (
        Article.objects.select_related("instrument")
        .filter(instrument__code=code, number=number)
        .first()
    )
    if article is None:
        raise ValueError(
            _("There is no article %(number)s in “%(instrument)s”.")
            % {"number": number, "instrument": code}
        )
    para = int(paragraph) if paragraph else None
    if para is not None and (
        para < 1 or (article.paragraph_count and para > article.paragraph_count)
    ):
        raise ValueError(
            _("Article %(number)s has no paragraph %(paragraph)s.")
            % {"number": number, "paragraph": para}
        )
    return ArticleRef(article, para)
