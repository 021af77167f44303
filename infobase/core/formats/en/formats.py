# English: the United Nations style "3 February 2027" (as the reports print it).
DATE_FORMAT = "j F Y"
DATETIME_FORMAT = "j F Y, H:i"
