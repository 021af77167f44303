# French: CLDR's group separator, the narrow no-break space (CLDR 47, through Babel), as the
# reports print numbers (Django's French uses the wider no-break space). Other formats fall
# through to Django's French.
THOUSAND_SEPARATOR = "\u202f"
NUMBER_GROUPING = 3
