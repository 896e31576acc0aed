"""Public pages of open recognition: badge requests, the applicant's page, jury links, claim
codes, public evidence files and the holder's decision on endorsements."""
