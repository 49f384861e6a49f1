"""Where people and clinics are: great-circle distances and US ZIP-code and city centroids.

Pure Python (no Django). The centroids come from the ``zipcodes`` package, which ships its
data set inside the package (coordinates from GeoNames, CC BY 4.0): nothing is fetched at run
time.
"""

from .distance import EARTH_RADIUS_KM, Point, haversine_km
from .places import Place, city_centroid, place_near, warm_up, zip_centroid

__all__ = [
    "EARTH_RADIUS_KM",
    "Place",
    "Point",
    "city_centroid",
    "haversine_km",
    "place_near",
    "warm_up",
    "zip_centroid",
]
