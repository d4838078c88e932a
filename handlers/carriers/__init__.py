"""Carriers as a service: the directory (bases, towns, communities, villages; nearest first) and
applications to settle in (入驻申请), reviewed by the carrier's county like loan pre-applications."""
