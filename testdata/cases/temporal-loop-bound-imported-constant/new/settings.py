"""Shipping settings."""

LABEL_COPIES = 3  # one for the parcel, one for the paperwork, one for customs
