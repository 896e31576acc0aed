"""The learner-space fixtures (tests/learners/conftest.py) are shared with the API tests."""

from tests.learners.conftest import mail_badger, mailbox, network, web  # noqa: F401
