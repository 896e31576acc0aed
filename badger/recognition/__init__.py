"""Open recognition: how a badge class is earned, badge requests reviewed by one person or a
jury (with evidence files), session claim codes, and partners' endorsements of a learner's
credential. See docs/architecture.md."""
