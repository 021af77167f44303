# Spanish: CLDR's separators (CLDR 47, through Babel: group ".", decimal ","), as the reports
# print numbers: 94.276.502,54 on a page and in a report alike (Django's Spanish groups with a
# no-break space). Other formats fall through to Django's Spanish.
DECIMAL_SEPARATOR = ","
THOUSAND_SEPARATOR = "."
NUMBER_GROUPING = 3
