"""`python -m sitebuild.calculate NAME …`: the calculators' command line with this repository's content.

The same as `python -m calculators NAME --data …` with the data the site
embeds (formulations, take-home profiles and source names, validated and with
the local settings applied), so the command line and the site agree.
"""

from __future__ import annotations

import sys

from calculators.__main__ import main
from sitebuild.content import ContentError, calculator_data

if __name__ == "__main__":
    if "--data" in sys.argv:  # the caller's data: the repository's content is neither read nor needed
        sys.exit(main())
    try:
        data = calculator_data()
    except ContentError as e:
        sys.exit(str(e))
    sys.exit(main(data=data))
