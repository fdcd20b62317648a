"""Places on Earth: the city and country database (GeoNames) behind "what time is it in
Tokyo" and a configured `place.city`. A data source, like the home's backends: it knows
nothing of languages or skills, and is handed how names are compared."""

from assistant.places.cities import City, Country, PlaceIndex, name_key

__all__ = ["City", "Country", "PlaceIndex", "name_key"]
