"""Settings for the test suite: the test profile of sellsafe.settings (see SELLSAFE_ENV=test there)."""

import os

os.environ["SELLSAFE_ENV"] = "test"

from sellsafe.settings import *  # noqa: F403
