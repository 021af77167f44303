# Simplified Chinese: CLDR's thousands separator (94,276,502.54), as the reports print numbers
# (Django's Chinese sets none); other formats fall through to Django's Chinese.
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
