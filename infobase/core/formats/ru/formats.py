# Russian: CLDR's long date, «3 февраля 2027 г.» with a narrow no-break space before «г.»
# (CLDR 47, through Babel), as the reports print dates (Django's Russian puts a plain space
# there, where a line may break). Other formats fall through to Django's Russian.
DATE_FORMAT = "j E Y\u202fг."
DATETIME_FORMAT = "j E Y\u202fг. G:i"
