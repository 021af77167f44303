"""``{% filterfold form %}<form …>…</form>{% endfilterfold %}``: a list page's filter form,
folded into a disclosure on a phone and open on a wide screen, with the filters in force in
words beside it (``core/filters.py``) and a link that clears them."""

from __future__ import annotations

from typing import Any

from django import template
from django.template.base import FilterExpression, NodeList, Parser, Token
from django.template.loader import get_template
from django.utils.safestring import SafeString, mark_safe

from infobase.core.filters import clear_query, filters_in_force, has_errors

register = template.Library()


class FilterFoldNode(template.Node):
    def __init__(self, form: FilterExpression, nodelist: NodeList) -> None:
        self.form = form
        self.nodelist = nodelist

    def render(self, context: template.Context) -> SafeString:
        form = self.form.resolve(context)
        request = context.get("request")
        content = self.nodelist.render(context)
        in_force = filters_in_force(form)
        clear = None
        if request is not None:
            named = any(form.add_prefix(name) in request.GET for name in form.fields)
            if named:
                query = clear_query(form, request.GET)
                clear = request.path + (f"?{query}" if query else "")
        html: Any = get_template("infobase/_filter_fold.html").render(
            {
                "content": mark_safe(content),  # the page's own rendered template
                "in_force": in_force,
                "count": len(in_force),
                "errors": has_errors(form),
                "clear": clear,
                "fold_id": f"filters-{form.prefix or 'list'}",
            }
        )
        return mark_safe(html)


@register.tag("filterfold")
def do_filterfold(parser: Parser, token: Token) -> FilterFoldNode:
    bits = token.split_contents()
    if len(bits) != 2:
        raise template.TemplateSyntaxError("usage: {% filterfold form %}…{% endfilterfold %}")
    nodelist = parser.parse(("endfilterfold",))
    parser.delete_first_token()
    return FilterFoldNode(parser.compile_filter(bits[1]), nodelist)
