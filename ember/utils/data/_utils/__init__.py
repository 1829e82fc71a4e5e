"""Import-path twin of ``torch.utils.data._utils`` (code written against torch's private layout)."""
from . import collate, worker  # noqa: F401
