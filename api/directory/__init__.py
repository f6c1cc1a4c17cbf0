"""The helpline directory: `helplines.yaml` → typed model → which lines to offer, open when.

    directory = load_directory(Path("helplines.yaml"))      # raises DirectoryError(problems)
    directory.match("man", at, nation="scotland")            # list[HelplineMatch], best first
    directory.describe("samaritans", at)                     # one line evaluated at `at`

It knows nothing of channels, Rasa or the store (imports point into it, never out).
"""

from api.directory.loading import DirectoryError, DirectoryHolder, load_directory, parse_directory
from api.directory.matching import AUDIENCES, NATIONS, Directory, HelplineMatch
from api.directory.model import Helpline

__all__ = [
    "AUDIENCES",
    "NATIONS",
    "Directory",
    "DirectoryError",
    "DirectoryHolder",
    "Helpline",
    "HelplineMatch",
    "load_directory",
    "parse_directory",
]
