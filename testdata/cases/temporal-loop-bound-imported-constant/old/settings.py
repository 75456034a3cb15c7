"""Shipping settings."""

LABEL_COPIES = 2  # one for the parcel, one for the paperwork
