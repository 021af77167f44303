# Arabic: CLDR's long date «3 فبراير 2027» (as the reports print it), also for dates with a time
# (Django has no Arabic DATETIME_FORMAT and fell back to the English "N j, Y"); CLDR's Latin-digit
# separators (Django's Arabic swaps them, so 10.5 read «10,5»), grouped by thousands as CLDR
# and the reports do (Django's Arabic sets no grouping: 94276502.54).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y، H:i"
SHORT_DATETIME_FORMAT = "d\u200f/m\u200f/Y H:i"
DECIMAL_SEPARATOR = "."
THOUSAND_SEPARATOR = ","
NUMBER_GROUPING = 3
