"""Django's own strings that its zh-hans catalog leaves in English or in ASCII punctuation.

The project catalog (LOCALE_PATHS, which wins over Django's) translates them. Nothing imports
this module: it only marks the strings so makemessages keeps them in the catalog.
"""

from django.utils.translation import gettext_noop

# Every form puts gettext(":") after a label, unless the label already ends in one of the
# characters of gettext(":?.!"). Untranslated, Chinese labels read "姓名:" and "…服务？:".
LABEL_SUFFIX = gettext_noop(":")
LABEL_ENDINGS = gettext_noop(":?.!")
# The empty choice of every select (new in Django 6.1, not yet in its zh-hans catalog).
BLANK_CHOICE = gettext_noop("- Select an option -")
