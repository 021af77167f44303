"""Date and number formats that replace Django's where they disagree with the style of the
Conference's documents (``FORMAT_MODULE_PATH``): one date style per language, the same as the
reports' (CLDR's long date through Babel), and Western digits with CLDR's separators."""
