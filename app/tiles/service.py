"""What the product does with tiles: one tile of the matching events, and the TileJSON that
describes the tile set of a set of filters."""

from __future__ import annotations

from app.auth.service import Principal
from app.caching.service import Revalidated, revalidate
from app.db import Database, Reader
from app.events import policy
from app.events.filters import EventFilters
from app.events.service import resolve_place
from app.tiles import repository
from app.tiles.matrix import MIN_ZOOM, TileIndex
from app.tiles.schemas import TileJSON, VectorLayer
from app.web.conditional import CachedRead

# Up to this zoom a tile holds clusters (16 x 16 cells, see repository); from the next one, every
# event. Measured on the 200k-event bench (README): the densest z=12 tile holds 5,800 events
# (380 kB as points, 7 kB as clusters), the densest z=13 one 3,200 (254 kB as points).
CLUSTER_MAX_ZOOM = 12
# What TileJSON offers: beyond it clients overzoom z14 tiles (a unit of a z14 tile is half a
# metre at Syria's latitude, finer than any event's coordinates).
TILEJSON_MAX_ZOOM = 14
SYRIA_BOUNDS = (35.6, 32.3, 42.4, 37.4)
SYRIA_CENTER = (38.5, 35.0, 6.0)

EVENT_FIELDS = {
    "id": "the event's public id (GET /events/{id}); absent on clusters",
    "event_date": "ISO date of the event; absent on clusters",
    "time_precision": "1 day, 2 week, 3 month (or year)",
    "event_type": "ACLED event_type",
    "sub_event_type": "ACLED sub_event_type",
    "fatalities": "reported deaths (absent when unknown); on a cluster, the sum of its events'",
    "geo_precision": "1 the place itself, 2 near it, 3 a larger region",
    "governorate_pcode": "OCHA pcode SY01..SY14",
    "place_id": "the gazetteer place the event is at",
    "place_name": "that place's English name",
    "status": "published, or draft / retracted when asked for",
    "count": f"events in the feature: 1 for an event; more for a cluster (zoom <= "
    f"{CLUSTER_MAX_ZOOM})",
    "first_date": "clusters: the date of their oldest event",
    "last_date": "clusters: the date of their newest event",
}


async def get_tile(
    *,
    db: Database,
    filters: EventFilters,
    principal: Principal | None,
    tile: TileIndex,
    read: CachedRead,
) -> Revalidated[bytes]:
    """The matching events in a tile (up to ``CLUSTER_MAX_ZOOM``, their clusters), as MVT;
    none when the client's copy is current."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        reader = Reader.within(conn)
        validators = await revalidate(reader, read)
        if validators.current:
            return Revalidated(validators)
        place = await resolve_place(reader, filters)
        data = await repository.fetch_tile(
            conn, filters, place, tile, clustered=tile.z <= CLUSTER_MAX_ZOOM
        )
    return Revalidated(validators, data)


async def describe(
    *, db: Database, filters: EventFilters, principal: Principal | None, tiles_url: str
) -> TileJSON:
    """TileJSON 3.0.0 of the tiles of these filters, checked as a tile request checks them."""
    policy.restrict_drafts(filters, principal)
    async with db.read_connection() as conn:
        await resolve_place(Reader.within(conn), filters)
    return TileJSON(
        tilejson="3.0.0",
        name="Syria events",
        description="Conflict events in Syria matching the filters of the tile URL; "
        f"clustered up to zoom {CLUSTER_MAX_ZOOM}",
        attribution="Syria Events API",
        scheme="xyz",
        tiles=[tiles_url],
        minzoom=MIN_ZOOM,
        maxzoom=TILEJSON_MAX_ZOOM,
        bounds=list(SYRIA_BOUNDS),
        center=list(SYRIA_CENTER),
        vector_layers=[
            VectorLayer(
                id=repository.LAYER,
                description="one point per event, or per cluster of events",
                minzoom=MIN_ZOOM,
                maxzoom=TILEJSON_MAX_ZOOM,
                fields=EVENT_FIELDS,
            )
        ],
    )
