"""What ``GET /sources`` returns: each published file imported, with its licence."""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, Field


class SourceOut(BaseModel):
    name: str = Field(description="ucdp, geonames or ocha")
    title: str = Field(description="the dataset, as its publisher names it")
    licence: str
    citation: str = Field(description="what users of this data must cite")
    version: str = Field(description="the release (UCDP), or the file's publication day")
    url: str = Field(description="where the file was downloaded from")
    sha256: str
    bytes: int
    downloaded_at: datetime
    imported_at: datetime
    rows: int = Field(description="rows of the file the import read (Syria's, for UCDP)")


class SourcesOut(BaseModel):
    sources: list[SourceOut] = Field(description="newest import first")
